"""Subject access: everything held about a resident, as one ZIP file they download.

`data.json` holds the account, verified identity, cases (answers, contact details, register
facts, the timeline they see, questions and answers, attachment list), drafts, consents, who
used their data, messages sent to them, alert subscriptions, follows and erasure requests;
`attachments/` holds every file they or staff attached to their cases; `README.txt` says
what is where and what is not included. Reading one's own data is not an access record.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import zipfile
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

from publica.accounts.models import Identity, OidcLogin, User
from publica.alerts.models import AlertSubscription
from publica.cases.models import Case, Follower
from publica.cases.selectors import case_timeline
from publica.core import clock
from publica.exchange.selectors import access_list_for_resident, consent_list
from publica.exchange.views.tracker import plain_record
from publica.notify.models import Channel, Message
from publica.portal.models import Draft
from publica.privacy.models import ErasureRequest

README = """\
Everything {organisation} holds about you, as of {moment} (UTC).

data.json      your account, verified identity, cases with your answers and their
               timeline, questions we asked you and your answers, drafts, consents,
               every use of your data by staff, systems or other organisations,
               messages we sent you, alert subscriptions and reports you follow.
attachments/   the files on your cases, one folder per case reference.

Not included: staff's internal notes on your cases, which may name other people. To see
them, or if anything here is wrong, ask the data protection officer: {contact}.
"""


def subject_access_zip(*, person: User, organisation: str, contact: str) -> IO[bytes]:
    """The ZIP file, rewound, in a temporary file that disappears when closed."""
    moment = clock.now()
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    cases = list(
        Case.objects.filter(applicant=person)
        .select_related("service", "service_version")
        .prefetch_related("attachments", "information_requests")
        .order_by("submitted_at", "pk")
    )
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files: dict[int, str] = {}
        for case in cases:
            for attachment in case.attachments.all():
                path = f"attachments/{case.reference}/{attachment.pk}-{_safe(attachment.name)}"
                with attachment.file.open("rb") as source, archive.open(path, "w") as target:
                    for chunk in iter(lambda: source.read(1 << 16), b""):
                        target.write(chunk)
                files[attachment.pk] = path
        data = _everything(person, cases, files, moment)
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        archive.writestr(
            "README.txt",
            README.format(
                organisation=organisation,
                moment=f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M}",
                contact=contact or organisation,
            ),
        )
    out.seek(0)
    return out


def _everything(
    person: User, cases: list[Case], files: dict[int, str], moment: dt.datetime
) -> dict[str, Any]:
    identity = Identity.objects.filter(user=person).first()
    return {
        "generated_at": moment,
        "account": {
            "username": person.username,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "joined": person.date_joined,
            "last_sign_in": person.last_login,
        },
        "identity": identity
        and {
            "person_number": identity.person_id,
            "level": identity.level,
            "checked_by": identity.method,
            "checked_at": identity.verified_at,
        },
        "signs_in_with": [
            {"provider": link.issuer, "since": link.created_at, "last": link.last_login_at}
            for link in OidcLogin.objects.filter(user=person)
        ],
        "cases": [_case(case, person, files) for case in cases],
        "drafts": [
            {"service": draft.service.title, "answers": draft.answers, "saved": draft.updated_at}
            for draft in Draft.objects.filter(owner=person).select_related("service")
        ],
        "consents": [
            {
                "organisation": consent.organisation,
                "purpose": consent.purpose,
                "registers": consent.registers,
                "data": consent.categories,
                "given": consent.granted_at,
                "expires": consent.expires_at,
                "withdrawn": consent.revoked_at,
            }
            for consent in consent_list(person=person)
        ],
        "uses_of_your_data": [
            plain_record(record, person) for record in access_list_for_resident(person=person)
        ],
        "messages_sent_to_you": [
            {
                "case": message.case.reference if message.case else None,
                "channel": message.channel,
                "to": message.recipient,
                "subject": message.subject,
                "text": message.text,
                "status": message.status,
                "created": message.created_at,
                "delivered": message.delivered_at,
            }
            for message in Message.objects.filter(case__applicant=person)
            .exclude(channel=Channel.WEBHOOK)
            .select_related("case")
            .order_by("created_at")
        ],
        "alert_subscriptions": [
            {
                "channel": subscription.channel,
                "address": subscription.address,
                "topics": subscription.topics,
                "area": str(subscription),
                "active": subscription.active,
                "created": subscription.created_at,
                "ended": subscription.ended_at,
            }
            for subscription in AlertSubscription.objects.filter(user=person)
        ],
        "reports_you_follow": [
            follower.case.reference
            for follower in Follower.objects.filter(user=person).select_related("case")
        ],
        "erasure_requests": [
            {"asked": request.requested_at, "status": request.status, "cases": request.outcome}
            for request in ErasureRequest.objects.filter(user=person)
        ],
    }


def _case(case: Case, person: User, files: dict[int, str]) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "service": case.service.title,
        "submitted": case.submitted_at,
        "state": case.state_label,
        "outcome": case.outcome or None,
        "closed": case.closed_at,
        "personal_data_removed": case.anonymised_at,
        "contact": {
            "name": case.contact_name,
            "email": case.contact_email,
            "phone": case.contact_phone,
        },
        "address": case.address,
        "position": (
            {"latitude": case.latitude, "longitude": case.longitude}
            if case.latitude is not None
            else None
        ),
        "answers": case.data,
        "from_registers": {k: v for k, v in case.register_facts.items() if k != "_sources"},
        "timeline": [
            {"at": event.created_at, "what": event.kind, "details": event.data}
            for event in case_timeline(case=case, actor=person)
        ],
        "questions": [
            {
                "question": request.question,
                "asked": request.requested_at,
                "answer": request.answer,
                "answered": request.answered_at,
            }
            for request in case.information_requests.all()
        ],
        "attachments": [
            {
                "name": attachment.name,
                "type": attachment.content_type,
                "bytes": attachment.size,
                "sha256": attachment.sha256,
                "file": files.get(attachment.pk),
            }
            for attachment in case.attachments.all()
        ],
    }


def _safe(name: str) -> str:
    """A file name that stays inside its folder on every system."""
    cleaned = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "file"
    return cleaned[:100]
