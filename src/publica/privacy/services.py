"""Writes: the retention job, and a resident's request to erase their data.

Both remove personal data through `cases.services.case_anonymise`, which records on the
case's timeline and in the ledger that it was done (never what was removed)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from publica.accounts.models import User
from publica.accounts.services import user_erase
from publica.alerts.services import alert_subscriptions_forget
from publica.cases.services import case_anonymise, case_unfollow_all
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import SystemActor
from publica.core.errors import PermissionDenied
from publica.exchange.selectors import consent_list
from publica.exchange.services.consents import consent_revoke
from publica.notify.services import notify_opt_out
from publica.portal.services import drafts_discard_all
from publica.privacy.models import ErasureRequest
from publica.privacy.selectors import cases_due_for_retention, erasure_preview, retention_policy

logger = logging.getLogger(__name__)
RETENTION = SystemActor("retention")


def retention_run(
    *, now: dt.datetime | None = None, limit: int = 500, actor: SystemActor = RETENTION
) -> int:
    """Anonymise up to `limit` closed cases past their service's retention period, each in
    its own transaction (a failure leaves the others done); how many were anonymised."""
    moment = now or clock.now()
    done = 0
    for service in Service.objects.select_related("current_version").order_by("pk"):
        rule = retention_policy(service).describe()
        for case in cases_due_for_retention(service=service, now=moment)[: limit - done]:
            case_anonymise(case=case, why="retention", rule=rule, actor=actor)
            done += 1
        if done >= limit:
            break
    if done:
        logger.info("retention: anonymised %d closed cases", done)
    return done


def erasure_request(*, person: User, actor: User) -> ErasureRequest:
    """Erase what the service rules allow of what is held about `person`, at once, and keep
    the answer: every case with what was done and why. When nothing has to be kept, the
    account goes too (closed, its name and e-mail removed) and so do their drafts,
    subscriptions, follows and consents."""
    if actor.pk != person.pk or not person.is_resident:
        raise PermissionDenied("a resident asks to erase their own data")
    now = clock.now()
    with transaction.atomic():
        outcome = []
        for item in erasure_preview(person=person, now=now):
            case, verdict = item.case, item.verdict
            if verdict.action == "erase":
                rule = "erasure on request, as the service allows"
                case_anonymise(case=case, why="erasure", rule=rule, actor=actor)
            outcome.append({
                "case": case.reference,
                "service": case.service.title,
                "action": "kept" if verdict.action == "keep" else "erased",
                "reason": verdict.reason,
                "until": verdict.until.isoformat() if verdict.until else None,
            })  # fmt: skip
        kept = sum(1 for line in outcome if line["action"] == "kept")
        status = (
            ErasureRequest.Status.DONE
            if not kept
            else ErasureRequest.Status.PARTLY
            if kept < len(outcome)
            else ErasureRequest.Status.REFUSED
        )
        request = ErasureRequest.objects.create(
            user=person, requested_at=now, status=status, outcome=outcome
        )
        if not kept:
            _erase_account(person)
    return request


def _erase_account(person: User) -> None:
    for consent in consent_list(person=person).filter(revoked_at__isnull=True):
        consent_revoke(consent_id=consent.pk, actor=person)
    drafts_discard_all(actor=person)
    case_unfollow_all(actor=person)
    alert_subscriptions_forget(user=person, actor=person)
    if person.email:
        notify_opt_out(address=person.email, opted_out=False, actor=person)
    user_erase(user=person, actor=person)
