"""`flush` empties every table, the append-only ones too (the ledger's, the exchange's
access records): their guards step aside for that one command, which exists to destroy all
data, and stand again afterwards."""

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from publica.core.guards import registered


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        guards = registered()
        for guard in guards:
            guard.remove(connection)
        try:
            super().handle(**options)
        finally:
            for guard in guards:
                guard.install(connection)
