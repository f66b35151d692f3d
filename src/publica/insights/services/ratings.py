"""Residents' ratings: the link that asks once a case closes, and the answer, kept without
identity (the service, its department, the UTC day and the score; no case, person or time)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from publica.cases.models import Case
from publica.core import clock
from publica.core.actors import Actor
from publica.core.errors import FieldError, InvalidInput
from publica.insights.models import Rating, RatingReceipt
from publica.insights.selectors.ratings import TOKEN_SALT, rating_case

__all__ = ["SCORES", "rating_path", "rating_record", "rating_token", "rating_url"]

#: The scores a rating may have: 1 (very dissatisfied) to 5 (very satisfied).
SCORES = range(1, 6)
ALREADY_RATED = "You have already told us how we did with this case. Thank you."
NOT_CLOSED = "You can tell us how we did once your case is finished."


def rating_token(case: Case) -> str:
    """A signed token carrying only the case's id; it works for `TOKEN_DAYS` after it was
    made (`selectors.ratings.rating_case`). Holding it is the permission to rate, once."""
    return signing.dumps(case.pk, salt=TOKEN_SALT)


def rating_path(case: Case) -> str:
    """The rating page for the case, as a path on this site (for a form on its own pages)."""
    return reverse("insights:rate", kwargs={"token": rating_token(case)})


def rating_url(case: Case) -> str:
    """The rating page for the case as an absolute URL, for a message."""
    return settings.PUBLICA_SITE_URL.rstrip("/") + rating_path(case)


def rating_record(*, token: str, score: int | str | None, actor: Actor | None) -> Rating:
    """Record a resident's rating of their closed case, once.

    `actor` is whoever followed the link (None when not signed in); it is not stored. Raises
    InvalidInput naming `token` for a link that does not verify, `case` when the case is still
    open or was rated before (also when two ratings race: the receipt's key decides), and
    `score` for anything but a whole number from 1 to 5.
    """
    case = rating_case(token=token)
    _require_ratable(case)
    checked = _score(score)
    try:
        with transaction.atomic():
            # The receipt first: its primary key is the case, so a second rating of the same
            # case fails here, before any Rating row exists, however the two requests overlap.
            RatingReceipt.objects.create(case=case)
            return Rating.objects.create(
                service_id=case.service_id,
                department_id=case.department_id,
                day=clock.now().date(),  # the day in UTC; never the time
                score=checked,
            )
    except IntegrityError:
        raise InvalidInput([FieldError("case", ALREADY_RATED)]) from None


def _require_ratable(case: Case) -> None:
    if case.is_open:
        raise InvalidInput([FieldError("case", NOT_CLOSED)])
    if RatingReceipt.objects.filter(case_id=case.pk).exists():
        raise InvalidInput([FieldError("case", ALREADY_RATED)])


def _score(score: int | str | None) -> int:
    value: int | None = None
    if isinstance(score, int) and not isinstance(score, bool):
        value = score
    elif isinstance(score, str) and score.strip().isdecimal() and len(score.strip()) == 1:
        value = int(score.strip())
    if value is None or value not in SCORES:
        raise InvalidInput([FieldError("score", "Choose how satisfied you are, from the list")])
    return value
