"""Review flags on benefit-type applications: raised after a submission commits, cleared or
confirmed by staff. A flag asks a person to look; it never refuses or moves a case.

The checks themselves are pure (`publica.assistant.flags`); here they get their claims from
the database, each service's past claims are turned into the anomaly score's rows and kept a
while, and the outcome is written as a ReviewFlag plus the case's own flag, so the case
shows in the staff queue.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
from django.db import transaction

from publica.accounts.models import User
from publica.assistant import flags
from publica.assistant.models import ReviewFlag
from publica.cases import permissions
from publica.cases import services as case_services
from publica.cases.models import Case, CaseEvent
from publica.core import clock
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput

__all__ = [
    "REVIEWER",
    "flag_review_clear",
    "flag_review_confirm",
    "flags_forget_history",
    "flags_review",
    "flags_review_after_commit",
]

logger = logging.getLogger(__name__)
REVIEWER = SystemActor("review-flags")
#: Starts the case's flag reason, so clearing the review finds and lifts only its own flag.
REASON_PREFIX = "Review flag: "
#: A service's past claims, as the anomaly score's rows, are kept this long before they are
#: read again with the newer claims.
HISTORY_LIFETIME = dt.timedelta(hours=1)
#: The most past claims the anomaly score compares with (the most recent ones).
HISTORY_LIMIT = 2000
NOTE_LIMIT = 2000

# (service id, service version id) -> (read at, rows, or None while too few claims)
_history: dict[tuple[int, int], tuple[dt.datetime, np.ndarray | None]] = {}


def flags_review_after_commit(case: Case) -> None:
    """Review `case` once its submission has committed. `case_submit` calls this for
    services with `review_flags`; whatever goes wrong is logged and the case stays unflagged,
    so a review can never fail or undo a submission."""
    case_id = case.pk
    transaction.on_commit(lambda: _review_quietly(case_id), robust=True)


def flags_review(*, case: Case, actor: Actor) -> ReviewFlag | None:
    """Run the service's checks on `case`; when any matches, write a ReviewFlag and flag the
    case with the reasons. Returns the flag, or None when nothing matched or the service has
    no `review_flags`. Reviewing a case again returns its first flag."""
    config = case.service_version.definition.get("review_flags")
    if not config:
        return None
    existing = ReviewFlag.objects.filter(case=case).first()
    if existing is not None:
        return existing
    rules = flags.Rules.from_config(config)
    claim = _claim_of(case, rules)
    recent = _claims(case, rules, since=case.submitted_at - rules.lookback)
    history = _past_rows(case, rules) if "anomaly" in rules.checks else None
    outcome = flags.review(claim, recent, rules, history)
    if not outcome.flagged:
        return None
    with transaction.atomic():
        flag = ReviewFlag.objects.create(
            case=case,
            reasons=outcome.reasons,
            checks=outcome.checks,
            anomaly_score=outcome.anomaly_score,
            created_at=clock.now(),
        )
        _flag_case(case, outcome.reasons, actor)
    return flag


def flag_review_clear(*, flag: ReviewFlag, actor: Actor, note: str = "") -> ReviewFlag:
    """Staff looked and found nothing wrong: the flag closes and the case's flag is lifted."""
    return _settle(flag, actor, note, ReviewFlag.State.CLEARED)


def flag_review_confirm(*, flag: ReviewFlag, actor: Actor, note: str) -> ReviewFlag:
    """Staff looked and acted on it (the note says how; deciding the claim is still done
    through its workflow): the flag closes and the case's flag is lifted."""
    if not (note or "").strip():
        raise InvalidInput([FieldError("note", "say what you found and what you did")])
    return _settle(flag, actor, note, ReviewFlag.State.CONFIRMED)


def flags_forget_history() -> None:
    """Drop every service's kept past claims, so the next review reads them afresh."""
    _history.clear()


def _review_quietly(case_id: int) -> None:
    try:
        case = Case.objects.select_related("service_version").get(pk=case_id)
        flags_review(case=case, actor=REVIEWER)
    except Exception as exc:
        # Only the kind of error: its message could quote the application.
        logger.warning("review flags: case %s was not reviewed (%s)", case_id, type(exc).__name__)


def _claim_of(case: Case, rules: flags.Rules) -> flags.Claim:
    return flags.claim_from(
        reference=case.reference,
        submitted_at=case.submitted_at,
        answers=case.data,
        contact={"email": case.contact_email, "phone": case.contact_phone},
        applicant_id=case.applicant_id,
        rules=rules,
    )


def _claims(
    case: Case, rules: flags.Rules, *, since: dt.datetime, limit: int | None = None
) -> list[flags.Claim]:
    """The service's claims submitted from `since` up to `case`, oldest first, without it."""
    rows = (
        Case.objects.filter(
            service_id=case.service_id, submitted_at__gte=since, submitted_at__lte=case.submitted_at
        )
        .exclude(pk=case.pk)
        .order_by("-submitted_at", "-pk")
        .values_list(
            "reference", "submitted_at", "data", "contact_email", "contact_phone", "applicant_id"
        )
    )
    claims = [
        flags.claim_from(
            reference=reference,
            submitted_at=submitted_at,
            answers=data if isinstance(data, dict) else {},
            contact={"email": email, "phone": phone},
            applicant_id=applicant_id,
            rules=rules,
        )
        for reference, submitted_at, data, email, phone, applicant_id in (
            rows[:limit] if limit else rows
        )
    ]
    claims.reverse()
    return claims


def _past_rows(case: Case, rules: flags.Rules) -> np.ndarray | None:
    """The rows of the service's claims of the last `history_days`, kept for
    HISTORY_LIFETIME; None while it has fewer than `min_claims` of them."""
    key = (case.service_id, case.service_version_id)
    now = clock.now()
    kept = _history.get(key)
    if kept is not None and abs(now - kept[0]) < HISTORY_LIFETIME:
        return kept[1]
    since = case.submitted_at - dt.timedelta(days=rules.history_days)
    past = _claims(case, rules, since=since, limit=HISTORY_LIMIT)
    rows = flags.vectors(past, rules) if len(past) >= rules.min_claims else None
    _history[key] = (now, rows)
    return rows


def _flag_case(case: Case, reasons: list[str], actor: Actor) -> None:
    """Flag the case with the reasons, first; a flag it already had (an automation rule's)
    follows, and comes back when the review is settled."""
    current = Case.objects.filter(pk=case.pk).values_list("flagged", "flag_reason").get()
    text = REASON_PREFIX + " ".join(reasons)
    if current[0] and current[1]:
        text = f"{text} Also: {current[1]}"
    case_services.case_flag(case=case, reason=_shorten(text), actor=actor)


def _settle(flag: ReviewFlag, actor: Actor, note: str, state: str) -> ReviewFlag:
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput([FieldError("note", f"must be at most {NOTE_LIMIT} characters")])
    with transaction.atomic():
        flag = (
            ReviewFlag.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=flag.pk)
        )
        permissions.require_staff(actor, flag.case)
        if flag.state != ReviewFlag.State.OPEN:
            done = ReviewFlag.State(flag.state).label.split(":")[0].lower()
            raise InvalidInput([FieldError("flag", f"this flag was already {done}")])
        flag.state = state
        flag.reviewed_at = clock.now()
        flag.reviewed_by = actor if isinstance(actor, User) else None
        flag.review_note = note
        flag.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_note"])
        said = (
            "Review flag cleared: nothing wrong found."
            if state == ReviewFlag.State.CLEARED
            else "Review flag confirmed."
        )
        _unflag_case(flag.case, actor, f"{said} {note}".strip())
    return flag


def _unflag_case(case: Case, actor: Actor, text: str) -> None:
    """Lift the review's flag from the case, restoring a flag the case had before it; the
    timeline records the review's outcome either way."""
    case.refresh_from_db(fields=["flagged", "flag_reason", "version"])
    ours, before = _flag_history(case)
    if not (case.flagged and ours is not None and case.flag_reason == ours):
        # Someone flagged the case again since: leave their flag, record the outcome.
        case_services.case_add_note(case=case, text=text, actor=actor)
    elif before:
        case_services.case_add_note(case=case, text=text, actor=actor)
        case_services.case_flag(case=case, reason=before, actor=actor)
    else:
        case_services.case_clear_flag(case=case, actor=actor, reason=text)


def _flag_history(case: Case) -> tuple[str | None, str]:
    """The reason of the review's own flag event, and the flag the case had just before it."""
    kinds = (CaseEvent.Kind.FLAGGED, CaseEvent.Kind.FLAG_CLEARED)
    ours: str | None = None
    before = current = ""
    for kind, data in case.events.filter(kind__in=kinds).values_list("kind", "data"):
        reason = str(data.get("reason", "")) if kind == CaseEvent.Kind.FLAGGED else ""
        if reason.startswith(REASON_PREFIX):
            ours, before = reason[:300], current
        current = reason
    return ours, before


def _shorten(text: str, limit: int = 300) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
