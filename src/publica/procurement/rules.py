"""The rules one procurement field must meet, as functions from what was typed to a clean value.
Pure: each raises `Problem` with a message a person can act on; services name the field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

__all__ = [
    "CURRENCIES",
    "Problem",
    "choice",
    "classification",
    "currency",
    "day",
    "email",
    "identifier",
    "moment",
    "money",
    "ocid_prefix",
    "quantity",
    "scheme",
    "text",
]

#: The currencies a value may be in (ISO 4217; OCDS's currency codelist is closed).
CURRENCIES = ("GBP", "EUR", "USD")
#: The largest value Publica takes: more than any council's budget, less than the column holds.
MAX_AMOUNT = Decimal("1e12")
_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}$")
_SCHEME = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,}$")
_COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CPV = re.compile(r"^\d{8}(-\d)?$")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


class Problem(ValueError):
    """What is wrong with one value, in words for the person who typed it."""


def text(value: str | None, *, what: str, longest: int, required: bool = True) -> str:
    cleaned = (value or "").strip().replace("\r\n", "\n")
    if required and not cleaned:
        raise Problem(f"Enter {what}")
    if len(cleaned) > longest:
        raise Problem(f"{what[0].upper()}{what[1:]} must be {longest:,} characters or fewer")
    return cleaned


def money(value: Decimal | int | str | None, *, what: str = "the value") -> Decimal:
    """An amount in pounds (or the chosen currency), more than nothing, to the penny."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Problem(f"Enter {what}")
    try:
        amount = Decimal(str(value).strip().replace(",", "").lstrip("£"))
    except InvalidOperation:
        raise Problem(f"Enter {what} as a number, like 125000 or 99.50") from None
    if not amount.is_finite() or amount <= 0:
        raise Problem(f"{what[0].upper()}{what[1:]} must be more than 0")
    if amount >= MAX_AMOUNT:
        raise Problem(f"{what[0].upper()}{what[1:]} must be less than 1,000,000,000,000")
    if amount != amount.quantize(Decimal("0.01")):
        raise Problem(f"Give {what} to the penny at most, like 99.50")
    return amount.quantize(Decimal("0.01"))


def quantity(value: Decimal | int | str | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Problem("Enter the quantity as a number, like 12") from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
        raise Problem("The quantity must be more than 0")
    return amount.quantize(Decimal("0.01"))


def currency(value: str | None) -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCIES:
        raise Problem(f"Choose the currency: {', '.join(CURRENCIES)}")
    return code


def choice(value: str | None, choices: Collection[str], *, what: str) -> str:
    if value is None or value not in choices:
        raise Problem(f"Choose {what}")
    return value


def moment(
    value: dt.datetime | str | None, *, what: str, zone: dt.tzinfo, required: bool = True
) -> dt.datetime | None:
    """A date and time, typed as 2026-03-14 09:00 (in `zone`), or an aware datetime."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise Problem(f"Give {what} with a time zone")
        return value
    typed = (value or "").strip()
    if not typed:
        if required:
            raise Problem(f"Enter {what}")
        return None
    for layout in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(typed, layout).replace(tzinfo=zone)
        except ValueError:
            continue
    raise Problem(f"Enter {what} as a date and time, like 2026-03-14 12:00")


def day(value: dt.date | str | None, *, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    typed = (value or "").strip()
    if not typed:
        raise Problem(f"Enter {what}")
    try:
        return dt.date.fromisoformat(typed)
    except ValueError:
        raise Problem(f"Enter {what} as a date, like 2026-04-01") from None


def email(value: str | None) -> str:
    """A contact address, or nothing; it should be a role mailbox (tenders@…), not a person's."""
    address = (value or "").strip().lower()
    if address and (len(address) > 254 or not _EMAIL.match(address)):
        raise Problem("Enter the email address in the right form, like tenders@example.com")
    return address


def scheme(value: str | None) -> str:
    """An org-id.guide list code, such as GB-COH (Companies House) or GB-CHC (charities)."""
    code = (value or "").strip().upper()
    if not code:
        raise Problem("Enter the identifier scheme, like GB-COH")
    if not _SCHEME.match(code):
        raise Problem("Enter the scheme as an org-id.guide code, like GB-COH or GB-CHC")
    return code


def identifier(value: str | None, *, scheme_code: str) -> str:
    """The organisation's number in its register; a Companies House number is 8 characters."""
    number = (value or "").strip().upper().replace(" ", "")
    if not number:
        raise Problem("Enter the company or charity number")
    if scheme_code == "GB-COH" and not _COMPANY_NUMBER.match(number):
        raise Problem("Enter the Companies House number: 8 digits, or 2 letters and 6 digits")
    if len(number) > 40:
        raise Problem("The number must be 40 characters or fewer")
    return number


def classification(scheme_code: str, code: str) -> tuple[str, str]:
    """A CPV code (the EU's Common Procurement Vocabulary), or nothing when none is given."""
    scheme_code, code = scheme_code.strip().upper(), code.strip()
    if not code:
        return "", ""
    scheme_code = scheme_code or "CPV"
    if scheme_code == "CPV" and not _CPV.match(code):
        raise Problem("Enter the CPV code as 8 digits, like 45233141")
    return scheme_code, code


def ocid_prefix(value: str) -> str:
    """An ocid prefix as the Open Contracting Partnership registers them: `ocds-` and 6
    letters or digits."""
    if not _PREFIX.match(value):
        raise Problem(
            f"PUBLICA_OCDS_PREFIX must be `ocds-` and 6 lower-case letters or digits, not {value!r}"
        )
    return value
