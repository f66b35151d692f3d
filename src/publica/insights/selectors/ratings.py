"""Reads about residents' ratings: whose case a rating link is for, whether to ask, and the
satisfaction figures (ratings, share satisfied, mean score) the dashboards show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Avg, Count, Q, QuerySet

from publica.cases.models import Case
from publica.core.errors import FieldError, InvalidInput
from publica.insights.filters import Filters
from publica.insights.models import Rating, RatingReceipt

__all__ = [
    "SATISFIED",
    "TOKEN_DAYS",
    "TOKEN_SALT",
    "Satisfaction",
    "rating_case",
    "rating_offered",
    "satisfaction_by_service",
    "satisfaction_total",
]

#: Signs rating links, and nothing else: a token for another purpose never verifies here.
TOKEN_SALT = "publica.insights.rating"
#: How long a rating link keeps working after it was made (as the other links in messages).
TOKEN_DAYS = 90
#: The scores that count as satisfied: "Satisfied" (4) and "Very satisfied" (5).
SATISFIED = 4


@dataclass(frozen=True)
class Satisfaction:
    """Ratings given, how many of them were satisfied (4 or 5), and the mean score (None when
    there are no ratings)."""

    ratings: int = 0
    satisfied: int = 0
    mean: float | None = None

    @property
    def share(self) -> float | None:
        """The share of ratings that were satisfied, or None when there are none."""
        return self.satisfied / self.ratings if self.ratings else None


def rating_case(*, token: str) -> Case:
    """The case a rating link was made for; InvalidInput naming `token` when the link was
    altered, made up, has expired or its case no longer exists."""
    try:
        case_id = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_DAYS * 86_400)
    except signing.BadSignature:  # also SignatureExpired
        raise _bad_token() from None
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise _bad_token()
    case = Case.objects.select_related("service", "department").filter(pk=case_id).first()
    if case is None:
        raise _bad_token()
    return case


def rating_offered(case: Case) -> bool:
    """Whether to ask the resident for a rating: the case is closed and was not rated yet."""
    return not case.is_open and not RatingReceipt.objects.filter(case_id=case.pk).exists()


def satisfaction_by_service(filters: Filters) -> dict[int, Satisfaction]:
    """Satisfaction per service id, over the ratings given in the filters' days (UTC), held to
    their department and service; services without ratings are left out."""
    rows = _ratings(filters).values("service_id").annotate(**_FIGURES).order_by("service_id")
    return {row["service_id"]: _satisfaction(row) for row in rows}


def satisfaction_total(filters: Filters) -> Satisfaction:
    """Satisfaction over every rating the filters select."""
    return _satisfaction(_ratings(filters).aggregate(**_FIGURES))


# Counted by score (never empty), not by key: the (day, service, department, score) index
# then answers without reading the table.
_FIGURES = {
    "ratings": Count("score"),
    "satisfied": Count("score", filter=Q(score__gte=SATISFIED)),
    "mean": Avg("score"),
}


def _ratings(filters: Filters) -> QuerySet[Rating]:
    found = Rating.objects.filter(day__range=(filters.start, filters.end))
    if filters.department is not None:
        found = found.filter(department_id=filters.department)
    if filters.service is not None:
        found = found.filter(service_id=filters.service)
    return found


def _satisfaction(row: dict[str, Any]) -> Satisfaction:
    mean = row["mean"]
    return Satisfaction(
        ratings=row["ratings"] or 0,
        satisfied=row["satisfied"] or 0,
        mean=float(mean) if mean is not None else None,
    )


def _bad_token() -> InvalidInput:
    return InvalidInput(
        [FieldError("token", "This link to rate a case is not valid or has expired")]
    )
