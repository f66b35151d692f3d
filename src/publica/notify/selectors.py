"""Reads of the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from publica.cases.models import Case
from publica.notify.models import Message

__all__ = ["messages_for_case"]


def messages_for_case(case: Case) -> QuerySet[Message]:
    """Every message about the case, oldest first, with how its delivery went."""
    return Message.objects.filter(case=case).order_by("created_at").defer("body", "html")
