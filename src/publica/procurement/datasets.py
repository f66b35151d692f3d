"""The datasets this app publishes (see publica.opendata.registry)."""

from publica.opendata.registry import Definition

DATASETS: tuple[Definition, ...] = ()
