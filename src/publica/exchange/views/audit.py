"""The auditor's view of staff access to personal data, highlighting reads without a case.

Auditors and admins only. By default it lists the reads of someone who had no open case,
the ones that need a reason; `?show=all` lists every staff read. `?csv=1` downloads what the
filters chose, every row.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.core import clock
from publica.exchange import selectors
from publica.exchange.models import AccessRecord
from publica.portal.staff import staff_required
from publica.portal.staff_session import recent_second_factor

AUDIT_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})
PER_PAGE = 50
CSV_COLUMNS = (
    "when", "staff_member", "department", "resident", "person_number", "data", "purpose",
    "basis", "basis_detail", "case", "no_open_case",
)  # fmt: skip


@dataclass(frozen=True)
class AuditFilters:
    every_read: bool = False
    start: dt.date | None = None
    end: dt.date | None = None
    staff_member: User | None = None

    def query(self) -> dict[str, Any]:
        """The selector's arguments: the days as local midnights, `end` included."""
        return {
            "without_open_case": not self.every_read,
            "since": _midnight(self.start) if self.start else None,
            "before": _midnight(self.end + dt.timedelta(days=1)) if self.end else None,
            "staff_member": self.staff_member,
        }


@require_safe
@staff_required
def access_audit(request: HttpRequest) -> HttpResponseBase:
    if getattr(request.user, "role", None) not in AUDIT_ROLES:
        raise PermissionDenied
    chosen, errors = parse_filters(request.GET)
    records = selectors.access_list_for_audit(**chosen.query())
    if request.GET.get("csv") == "1":
        return recent_second_factor(request) or _csv(records)  # an export: asks again if stale
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", "csv"):
        query.pop(name, None)
    return render(
        request,
        "exchange/audit.html",
        {
            "page": page,
            "filters": chosen,
            "staff": selectors.access_audit_staff(),
            "query": query.urlencode(),
            "errors": [{"href": f"#filter-{field}", "message": text} for field, text in errors],
            "error_by_field": dict(errors),
            "form_has_errors": bool(errors),
        },
    )


def parse_filters(given: QueryDict) -> tuple[AuditFilters, list[tuple[str, str]]]:
    """The filters the query string asks for, and a (field, message) for each it gets wrong
    (that filter is then left out)."""
    errors: list[tuple[str, str]] = []
    start = _date(given.get("from", ""), "from", errors)
    end = _date(given.get("to", ""), "to", errors)
    if start and end and start > end:
        errors.append(("to", _("The end date must be on or after the start date")))
        end = None
    staff_member = None
    wanted = given.get("staff", "")
    if wanted:
        if wanted.isdecimal() and len(wanted) < 19:  # within a database integer
            staff_member = selectors.access_audit_staff().filter(pk=int(wanted)).first()
        if staff_member is None:
            errors.append(("staff", _("Choose a member of staff from the list")))
    every_read = given.get("show") == "all"
    return AuditFilters(every_read, start, end, staff_member), errors


def _date(text: str, field: str, errors: list[tuple[str, str]]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        errors.append((field, _("Enter a real date, like 2026-11-21")))
        return None


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _csv(records: QuerySet[AccessRecord]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(records), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(clock.now()).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="staff-access-{stamp}.csv"'
    return response


class _Line:
    """What csv.writer writes to, handing each line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


#: The columns a CSV row is made of, read as plain values: building a record, its case and
#: its resident as objects for each row took most of the download's time.
_CSV_VALUES = (
    "at", "actor_label", "department", "subject__first_name", "subject__last_name",
    "subject__username", "subject_person_id", "data", "purpose", "basis", "basis_detail",
    "case__reference", "without_open_case",
)  # fmt: skip


def _csv_lines(records: QuerySet[AccessRecord]) -> Iterator[str]:
    """The CSV in pieces of a few hundred rows: a write to the socket per row is slow."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    lines = [writer.writerow(CSV_COLUMNS)]
    for values in records.values_list(*_CSV_VALUES).iterator(chunk_size=2_000):
        lines.append(writer.writerow([_cell(value) for value in _csv_row(*values)]))
        if len(lines) >= 500:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def _csv_row(
    at: dt.datetime, actor: str, department: str, first: str | None, last: str | None,
    username: str | None, person_id: str, data: str, purpose: str, basis: str, detail: str,
    case: str | None, without_open_case: bool,
) -> list[Any]:  # fmt: skip
    resident = " ".join(part for part in (first, last) if part) or username or ""
    return [
        timezone.localtime(at).isoformat(timespec="seconds"), actor, department, resident,
        person_id, data, purpose, basis, detail, case or "",
        "yes" if without_open_case else "no",
    ]  # fmt: skip


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
