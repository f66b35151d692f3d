"""`flush` empties every table, the ledger's too: its guards step aside for that one command
(which exists to destroy all data) and stand again afterwards."""

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from publica.ledger import guards


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        guards.remove(connection)
        try:
            super().handle(**options)
        finally:
            guards.install(connection)
