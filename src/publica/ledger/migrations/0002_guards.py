"""Triggers that keep the ledger append-only (see publica.ledger.guards)."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from publica.ledger import guards

    guards.install(schema_editor.connection)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    from publica.ledger import guards

    guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
