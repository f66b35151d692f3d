"""Triggers that keep access records append-only (see publica.exchange.guards)."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from publica.exchange.guards import GUARDS

    GUARDS.install(schema_editor.connection)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    from publica.exchange.guards import GUARDS

    GUARDS.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
