"""Person numbers encrypted at rest, found by their keyed hash."""

from django.db import migrations, models

import publica.core.fields


def encrypt_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    from publica.core.fieldkeys import keyring

    Identity = apps.get_model("accounts", "Identity")
    ring = keyring()
    for identity in Identity.objects.all():
        identity.person_hash = ring.blind(identity.person_id, "person-number")
        identity.save(update_fields=["person_id", "person_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_webauthncredential_oidclogin"),
    ]

    operations = [
        migrations.AddField(
            model_name="identity",
            name="person_hash",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.AlterField(
            model_name="identity",
            name="person_id",
            field=publica.core.fields.EncryptedTextField(
                help_text="Encrypted at rest; found by `person_hash`."
            ),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="identity",
            name="person_hash",
            field=models.CharField(
                editable=False,
                help_text="Keyed hash of the person number.",
                max_length=32,
                unique=True,
            ),
        ),
    ]
