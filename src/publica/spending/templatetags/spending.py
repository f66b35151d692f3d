"""Money and financial years as residents read them, for the spending templates."""

from __future__ import annotations

from decimal import Decimal

from django import template

from publica.spending import years

register = template.Library()


@register.filter
def pounds(amount: Decimal | int | None) -> str:
    """£1,234.56, or £12.50 after a minus sign for a refund; empty for no amount."""
    if amount is None:
        return ""
    value = Decimal(amount)
    sign = "\N{MINUS SIGN}" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


@register.filter
def financial_year(start: int) -> str:
    """2025 -> 2025-26."""
    return years.label(start)
