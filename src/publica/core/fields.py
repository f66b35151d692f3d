"""Model fields whose values are encrypted at rest (`publica.core.fieldcrypt`).

The database sees only ``enc1:<key id>:…``; Python code sees the plain value. An empty string
stays empty (it says nothing about anyone, and "has a phone number?" stays a plain query). A
value stored before its column was encrypted reads as it was, until `publica keys rotate`
(or the migration that encrypted the column) rewrites it. Encrypted columns cannot be
filtered on by value: search them through their keyed-hash companions (see `Case.save`).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from publica.core.fieldcrypt import PREFIX
from publica.core.fieldkeys import keyring

__all__ = ["Encrypted", "EncryptedJSONField", "EncryptedTextField", "column_label"]


def column_label(field: models.Field[Any, Any]) -> str:
    """What binds a value to its column: ``app.model.field``."""
    return f"{field.model._meta.label_lower}.{field.name}"


class Encrypted:
    """Marks an encrypted field, for `publica keys rotate` and `status`."""

    def encrypt_text(self, text: str) -> str:
        return keyring().encrypt(text.encode(), column_label(self))  # type: ignore[arg-type]

    def decrypt_text(self, stored: str) -> str:
        if not stored.startswith(PREFIX + ":"):
            return stored  # written before the column was encrypted
        return keyring().decrypt(stored, column_label(self)).decode()  # type: ignore[arg-type]


class EncryptedTextField(Encrypted, models.TextField):  # type: ignore[type-arg]
    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return self.decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return self.encrypt_text(str(value))


class EncryptedJSONField(Encrypted, models.TextField):  # type: ignore[type-arg]
    """JSON (a dict, list, number, …) stored encrypted in a text column."""

    _pyi_private_set_type: Any  # for django-stubs: any JSON value in and out
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(self.decrypt_text(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
        return self.encrypt_text(text)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)
