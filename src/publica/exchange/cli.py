"""`publica exchange …`: the signed register API's keys, clients, peers and routes
(`cli_peers.py`), and the sealing of access records (`cli_access.py`)."""

from __future__ import annotations

import click

from publica.exchange import cli_peers

__all__ = ["exchange"]


@click.group()
def exchange() -> None:
    """Data exchange between agencies: keys, clients, peers, routes and access records."""


for command in cli_peers.COMMANDS:
    exchange.add_command(command)

try:
    from publica.exchange import cli_access
except ImportError:  # not written yet
    pass
else:
    for command in cli_access.COMMANDS:
        exchange.add_command(command)
