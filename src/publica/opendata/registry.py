"""Which datasets Publica publishes: each app that publishes data lists its definitions in a
`datasets` module (`DATASETS`), and this registry gathers them by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Literal

from publica.opendata.tables import Table

__all__ = ["Definition", "Frequency", "definition", "definitions"]

#: How often the data changes; each maps to the EU frequency vocabulary in DCAT.
Frequency = Literal["continuous", "daily", "weekly", "monthly", "annual", "irregular"]

# The modules that hold DATASETS, in the order the catalogue lists them.
PUBLISHERS = (
    "publica.opendata.datasets",
    "publica.spending.datasets",
    "publica.procurement.datasets",
)


@dataclass(frozen=True)
class Definition:
    """One dataset as code describes it; its `Dataset` row holds what changes (when it was
    last built, how many rows).

    `name` is the dataset's CKAN name and URL slug. `table` gives its rows. `refresh`, for
    datasets published as a snapshot of live data, rebuilds that snapshot in one transaction
    and returns the number of rows; datasets read live from their tables have none.
    `theme` is a code of the EU data-theme vocabulary (GOVE, ECON, ENVI, TRAN, …).
    """

    name: str
    title: str
    description: str
    table: Callable[[], Table]
    frequency: Frequency
    keywords: tuple[str, ...] = ()
    theme: str = "GOVE"
    refresh: Callable[[], int] | None = None


@cache
def definitions() -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    for module_name in PUBLISHERS:
        for item in getattr(import_module(module_name), "DATASETS", ()):
            if item.name in found:
                raise ValueError(f"two datasets are named {item.name!r}")
            found[item.name] = item
    return found


def definition(name: str) -> Definition | None:
    return definitions().get(name)
