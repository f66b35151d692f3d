"""`publica spending …`: import budget and spend CSV files from the command line.

Django is set up by the `publica` group before these run, so models are imported inside the
commands. Every problem in a file is printed as `file:row: column: message`, and nothing is
imported unless there are none.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from publica.spending.services import ImportResult

__all__ = ["spending"]


@click.group()
def spending() -> None:
    """Budgets and spending: import the finance system's CSV files."""


@spending.command("import-budget")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_budget(file: Path) -> None:
    """Replace the budget of every financial year in FILE with its lines."""
    from publica.spending.services import budget_import

    result = _run(budget_import, file)
    click.echo(
        f"Imported {result.record.row_count} budget lines from {file.name} "
        f"(replacing {result.replaced})"
    )


@spending.command("import-spend")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_spend(file: Path) -> None:
    """Add the payments in FILE; a reference imported before is an error."""
    from publica.spending.services import spend_import

    result = _run(spend_import, file)
    click.echo(f"Imported {result.record.row_count} payments from {file.name}")


def _run(importer: Callable[..., ImportResult], file: Path) -> ImportResult:
    from publica.core.actors import SystemActor
    from publica.core.errors import InvalidInput, PermissionDenied

    try:
        return importer(data=file.read_bytes(), file_name=file.name, actor=SystemActor("cli"))
    except InvalidInput as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{len(exc.errors)} problem(s); nothing was imported") from exc
    except PermissionDenied as exc:  # pragma: no cover (the command line acts as Publica)
        raise click.ClickException(str(exc)) from exc
