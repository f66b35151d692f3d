"""The world the access tests run in: two departments, two residents' cases, staff of every
role past their second factor, API keys of several scopes and departments, and one of each
thing a URL can name. Make-believe people only."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from publica.accounts.apikeys import SCOPES, apikey_create
from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, OrganisationFactory, UserFactory
from publica.alerts import links as alert_links
from publica.alerts.tests.factories import SubscriptionFactory
from publica.assistant.models import Question, ReviewFlag, Triage
from publica.cases.models import Case
from publica.cases.services import case_attach, case_request_info
from publica.cases.tests.factories import submit_pothole
from publica.core import clock
from publica.core.actors import SystemActor
from publica.exchange.models import Consent
from publica.insights.services.ratings import rating_path
from publica.notify.models import WebhookSubscription
from publica.procurement.tests.factories import open_tender
from publica.sensors.models import Datastream, ObservedProperty, Sensor, Thing
from publica.spending.tests.factories import MilestoneFactory, ProjectFactory
from publica.testing import load_demo_service

#: The smallest valid PNG (one transparent pixel): an attachment the upload check accepts.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
SYSTEM = SystemActor("access-tests")

#: Web principals: who signs in through the portal or the back office.
ANONYMOUS = "anonymous"
OWNER = "resident"  # resident A, whose case the URLs name
OTHER_RESIDENT = "other_resident"  # resident B, with a case of their own
CASEWORKER_OTHER_DEPARTMENT = "caseworker_other_department"  # caseworker in Y
CASEWORKER = "caseworker"  # in X, the case's department
SUPERVISOR = "supervisor"  # in X
SERVICE_DESIGNER = "service_designer"
ADMIN = "admin"
AUDITOR = "auditor"
WEB = (
    ANONYMOUS,
    OWNER,
    OTHER_RESIDENT,
    CASEWORKER_OTHER_DEPARTMENT,
    CASEWORKER,
    SUPERVISOR,
    SERVICE_DESIGNER,
    ADMIN,
    AUDITOR,
)
STAFF = (CASEWORKER_OTHER_DEPARTMENT, CASEWORKER, SUPERVISOR, SERVICE_DESIGNER, ADMIN, AUDITOR)

#: API principals: what an integrator sends.
NO_KEY = "no_key"
KEY_WITHOUT_SCOPE = "key_without_scope"  # only `services:read`
KEY_OTHER_DEPARTMENT = "key_other_department"  # every scope, bound to Y
KEY = "key"  # every scope, bound to X
KEY_ORGANISATION = "key_organisation"  # every scope, no department
SIGNED_IN_RESIDENT = "signed_in_resident"  # a portal session and no key: APIs ignore it
API = (NO_KEY, SIGNED_IN_RESIDENT, KEY_WITHOUT_SCOPE, KEY_OTHER_DEPARTMENT, KEY, KEY_ORGANISATION)

CSRF_TOKEN = "a" * 32  # a well-formed token the client sends as cookie and as form field


@dataclass
class World:
    users: dict[str, User]
    keys: dict[str, str]  # principal -> raw key
    sessions: dict[str, str] = field(default_factory=dict)  # principal -> session key
    case: Case | None = None  # resident A's case, department X
    other_case: Case | None = None  # resident B's case
    args: dict[str, Any] = field(default_factory=dict)  # names a URL needs, by name

    def client(self, principal: str) -> Client:
        """A CSRF-enforcing client signed in as `principal` (with a valid CSRF token at hand)."""
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
        session = self.sessions.get(principal)
        if session:
            client.cookies[settings.SESSION_COOKIE_NAME] = session
        return client

    def headers(self, principal: str) -> dict[str, str]:
        key = self.keys.get(principal)
        return {"Authorization": f"Bearer {key}"} if key else {}


def build_world() -> World:
    organisation = OrganisationFactory()
    x = DepartmentFactory(organisation=organisation, slug="highways", name="Highways")
    y = DepartmentFactory(organisation=organisation, slug="parking", name="Parking Services")
    pothole = load_demo_service("pothole")
    load_demo_service("parking-permit")
    users = {
        OWNER: UserFactory(role=Role.RESIDENT),
        OTHER_RESIDENT: UserFactory(role=Role.RESIDENT),
        CASEWORKER_OTHER_DEPARTMENT: UserFactory(role=Role.CASEWORKER, department=y),
        CASEWORKER: UserFactory(role=Role.CASEWORKER, department=x),
        SUPERVISOR: UserFactory(role=Role.SUPERVISOR, department=x),
        SERVICE_DESIGNER: UserFactory(designer=True),
        ADMIN: UserFactory(admin=True),
        AUDITOR: UserFactory(auditor=True),
    }
    x.supervisor = users[SUPERVISOR]
    x.save()
    users[SIGNED_IN_RESIDENT] = users[OWNER]
    admin = users[ADMIN]
    every = sorted(SCOPES)
    keys = {
        KEY_WITHOUT_SCOPE: apikey_create(name="narrow", scopes=["services:read"], actor=admin)[1],
        KEY_OTHER_DEPARTMENT: apikey_create(name="y", scopes=every, department=y, actor=admin)[1],
        KEY: apikey_create(name="x", scopes=every, department=x, actor=admin)[1],
        KEY_ORGANISATION: apikey_create(name="org", scopes=every, actor=admin)[1],
    }
    world = World(users=users, keys=keys)
    world.sessions = {name: _session(user) for name, user in users.items()}

    case = submit_pothole(pothole, users[OWNER], contact={"email": "owner@example.org"})
    world.case = case
    world.other_case = submit_pothole(pothole, users[OTHER_RESIDENT], size="large")
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    attachment = case_attach(case=case, files=[upload], actor=users[CASEWORKER])[0]
    question = case_request_info(
        case=case, question="Which side of the road?", actor=users[CASEWORKER]
    )
    world.args.update(_things(world, x, users, attachment.pk, question.pk))
    return world


def _session(user: User) -> str:
    """A session signed in as `user`; staff past their second factor."""
    client = Client()
    client.force_login(user)
    if user.role != Role.RESIDENT:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _things(world: World, x: Any, users: dict[str, User], attachment: int, question: int) -> dict:
    case = world.case
    assert case is not None
    now = clock.now()
    sensor = Sensor.objects.create(name="Gauge", description="", encoding_type="", metadata="")
    measured = ObservedProperty.objects.create(name="Level", definition="", description="")
    thing = Thing.objects.create(name="Drain 1", description="A drain")
    datastream = Datastream.objects.create(
        name="Level", description="", observation_type="", unit_of_measurement={},
        thing=thing, sensor=sensor, observed_property=measured,
    )  # fmt: skip
    process = open_tender(x, users[ADMIN])
    project = ProjectFactory(department=x)
    milestone = MilestoneFactory(project=project)
    helped = Question.objects.create(
        asked_at=now, text="Where do I put old paint?", channel="portal", answered=False
    )
    triage = Triage.objects.create(
        case=world.other_case, suggested_service_slug="pothole", confidence=0.4,
        state=Triage.State.PENDING, created_at=now,
    )  # fmt: skip
    flag = ReviewFlag.objects.create(case=case, reasons=["test"], created_at=now)
    consent = Consent.objects.create(
        person=users[OWNER], organisation="Testshire Council", purpose="parking permit",
        granted_at=now, expires_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    alert = SubscriptionFactory()
    webhook = WebhookSubscription.objects.create(
        name="x", url="https://hooks.example.org/x", created_at=now,
        api_key_id=_key_id(world.keys[KEY]),
    )  # fmt: skip
    owner = users[OWNER]
    from django.core import signing

    return {
        "reference": case.reference,
        "attachment_id": attachment,
        "request_id": question,
        "thing_id": thing.pk,
        "datastream_id": datastream.pk,
        "ocid": process.ocid,
        "project": project.slug,
        "milestone": milestone.pk,
        "question_id": helped.pk,
        "triage_id": triage.pk,
        "flag_id": flag.pk,
        "consent_id": str(consent.id),
        "alert_confirm": alert_links.confirm_url(alert.pk).rstrip("/").rsplit("/", 1)[-1],
        "alert_manage": alert_links.manage_path(alert.pk).rstrip("/").rsplit("/", 1)[-1],
        "rating": rating_path(case).rstrip("/").rsplit("/", 1)[-1],
        "case_link": signing.dumps(
            {"r": case.reference, "e": "owner@example.org"}, salt="publica.case-link"
        ),
        "preferences": signing.dumps("owner@example.org", salt="publica.preferences"),
        "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
        "reset_token": default_token_generator.make_token(owner),
        "webhook": webhook.pk,
        "unknown_uuid": str(uuid.uuid4()),
    }


def _key_id(raw: str) -> int:
    from publica.accounts.models import ApiKey

    return ApiKey.objects.get(prefix=raw.split("_")[1]).pk
