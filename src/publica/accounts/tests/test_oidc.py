"""Residents sign in with OpenID Connect, against a real provider (panva's `oidc-provider`,
started from node_modules on a loopback port): the whole round trip, and every way it fails."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from joserfc.jwk import RSAKey

from publica.accounts.models import Identity, OidcLogin, User
from publica.accounts.oidc_client import forget_metadata
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.core import clock

REPO = Path(__file__).resolve().parents[4]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_ID = "publica-test"
CLIENT_SECRET = "a-make-believe-secret-only-for-these-tests"
SITE = "http://testserver"
REDIRECT_URI = f"{SITE}/account/oidc/callback/"
LOW = "http://eidas.europa.eu/LoA/low"
SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
HIGH = "http://eidas.europa.eu/LoA/high"


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def set_clock(self, offset_seconds: int) -> None:
        requests.post(f"{self.issuer}/_test/clock", json={"offset": offset_seconds}, timeout=5)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI is set, so the OIDC tests must run)")
    pytest.skip(reason)


# The client's key for private_key_jwt: generated once per run, its public half given to the
# provider, its private half written to a file as a deployment would.
CLIENT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def client_public_jwk() -> dict[str, Any]:
    return RSAKey.import_key(CLIENT_KEY.public_key()).as_dict(private=False)


def start_provider(log: Path) -> RunningProvider:
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed")
    if not (REPO / "node_modules" / "oidc-provider" / "package.json").exists():
        _unavailable("node_modules/oidc-provider is missing (run npm ci)")
    options = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "client_jwk": client_public_jwk(),
    }
    process = subprocess.Popen(
        [str(node), str(SCRIPT), json.dumps(options)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=log.open("ab"),
    )
    assert process.stdout is not None
    waiting = selectors.DefaultSelector()
    waiting.register(process.stdout, selectors.EVENT_READ)
    if not waiting.select(timeout=20):
        process.kill()
        raise RuntimeError(f"the OIDC provider did not start; see {log}")
    line = process.stdout.readline()
    return RunningProvider(issuer=json.loads(line)["issuer"], process=process)


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProvider]:
    running = start_provider(tmp_path_factory.mktemp("oidc") / "provider.log")
    yield running
    running.stop()


def configure(settings: Any, issuer: str, **overrides: Any) -> None:
    forget_metadata()
    settings.PUBLICA_SITE_URL = SITE
    settings.PUBLICA_OIDC_ISSUER = issuer
    settings.PUBLICA_OIDC_CLIENT_ID = CLIENT_ID
    settings.PUBLICA_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.PUBLICA_OIDC_SCOPES = "openid email profile person"
    settings.PUBLICA_OIDC_PERSON_CLAIM = "person_number"
    settings.PUBLICA_OIDC_NAME = "the test login"
    settings.PUBLICA_OIDC_ACR_VALUES = f"{SUBSTANTIAL} {HIGH}"
    settings.PUBLICA_OIDC_TIMEOUT = 5.0
    for name, value in overrides.items():
        setattr(settings, f"PUBLICA_OIDC_{name.upper()}", value)


@pytest.fixture
def oidc(settings: Any, provider: RunningProvider, db: None) -> RunningProvider:
    configure(settings, provider.issuer)
    return provider


def a_person(**claims: str) -> dict[str, str]:
    """A make-believe person at the provider; each test gets its own subject."""
    person = {
        "sub": f"test-{uuid.uuid4().hex[:12]}",
        "email": f"{uuid.uuid4().hex[:8]}@example.org",
        "email_verified": "true",
        "given_name": "Ada",
        "family_name": "Testperson",
        "person_number": f"TP{uuid.uuid4().int % 10**10:010d}",
        "acr": SUBSTANTIAL,
    }
    person.update(claims)
    return person


def at_provider(
    client: Client, person: dict[str, str], *, next_url: str = "", abort: bool = False
) -> str:
    """Start at Publica, sign in (or cancel) at the provider as a browser would, and return the
    URL the provider sends the browser back to (our callback, not yet visited)."""
    start = "/account/oidc/start/" + (f"?{urlencode({'next': next_url})}" if next_url else "")
    response = client.get(start)
    assert response.status_code == 302, response.content
    browser = requests.Session()
    page = browser.get(response["Location"], timeout=10)
    assert page.status_code == 200 and "/interaction/" in page.url, page.text
    action = f"{page.url}/abort" if abort else f"{page.url}/login"
    answer = browser.post(action, data={} if abort else person, allow_redirects=False, timeout=10)
    for _ in range(10):
        location = urljoin(answer.url, answer.headers["Location"])
        if location.startswith(REDIRECT_URI):
            return location
        answer = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def come_back(client: Client, callback_url: str) -> Any:
    return client.get(callback_url[len(SITE) :])


def sign_in(client: Client, person: dict[str, str], **kwargs: Any) -> Any:
    return come_back(client, at_provider(client, person, **kwargs))


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# The round trip.


def test_a_first_sign_in_creates_a_resident_with_a_checked_identity(
    oidc: RunningProvider, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    person = a_person()
    response = sign_in(client, person)
    assert response.status_code == 302 and response["Location"] == "/account/cases/"
    user = signed_in_user(client)
    assert user is not None and user.role == Role.RESIDENT
    assert (user.first_name, user.last_name, user.email) == ("Ada", "Testperson", person["email"])
    assert not user.has_usable_password()
    link = OidcLogin.objects.get(user=user)
    assert (link.issuer, link.subject) == (oidc.issuer, person["sub"])
    identity = Identity.objects.get(user=user)
    assert identity.person_id == person["person_number"]
    assert identity.level == "substantial" and identity.is_verified
    assert identity.method == f"oidc:{oidc.issuer}"
    assert client.session["publica_identity_level"] == "substantial"
    assert "OIDC sign-in: created=True linked=True level=substantial" in caplog.text
    for personal in (person["sub"], person["email"], person["person_number"], "Testperson"):
        assert personal not in caplog.text


def test_a_second_sign_in_finds_the_same_account(oidc: RunningProvider, client: Client) -> None:
    person = a_person()
    sign_in(client, person)
    first = signed_in_user(client)
    first_seen = OidcLogin.objects.get(user=first).last_login_at
    other_browser = Client()
    response = sign_in(other_browser, person)
    assert response.status_code == 302
    assert signed_in_user(other_browser) == first
    assert User.objects.filter(oidc_logins__subject=person["sub"]).count() == 1
    assert OidcLogin.objects.get(user=first).last_login_at >= first_seen


@pytest.mark.parametrize(
    ("acr", "level", "verified"),
    [
        (LOW, "low", False),
        (SUBSTANTIAL, "substantial", True),
        (HIGH, "high", True),
        ("urn:example:some-other-scheme", "low", False),
        ("", "low", False),
    ],
)
def test_the_acr_sets_the_level_of_assurance(
    oidc: RunningProvider, client: Client, acr: str, level: str, verified: bool
) -> None:
    sign_in(client, a_person(acr=acr))
    identity = Identity.objects.get(user=signed_in_user(client))
    assert (identity.level, identity.is_verified) == (level, verified)


def test_a_later_low_sign_in_lowers_the_recorded_level(
    oidc: RunningProvider, client: Client
) -> None:
    person = a_person()
    sign_in(client, person)
    sign_in(Client(), {**person, "acr": LOW})
    assert Identity.objects.get(user=signed_in_user(client)).level == "low"


def test_a_client_authenticates_with_a_private_key_jwt(
    oidc: RunningProvider, client: Client, settings: Any, tmp_path: Path
) -> None:
    key_file = tmp_path / "client-key.pem"
    key_file.write_bytes(
        CLIENT_KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.PUBLICA_OIDC_CLIENT_ID = f"{CLIENT_ID}-pkjwt"
    settings.PUBLICA_OIDC_CLIENT_SECRET = ""
    settings.PUBLICA_OIDC_CLIENT_AUTH = "private_key_jwt"
    settings.PUBLICA_OIDC_CLIENT_KEY_FILE = str(key_file)
    assert sign_in(client, a_person()).status_code == 302
    assert signed_in_user(client) is not None
    # Without its key the client cannot prove itself, and the resident is told so.
    settings.PUBLICA_OIDC_CLIENT_KEY_FILE = str(tmp_path / "missing.pem")
    other = Client()
    assert sign_in(other, a_person()).status_code == 502
    assert signed_in_user(other) is None


def test_the_acr_mapping_comes_from_settings(
    oidc: RunningProvider, client: Client, settings: Any
) -> None:
    settings.PUBLICA_OIDC_LEVELS = {"urn:example:bank-id": "high"}
    sign_in(client, a_person(acr="urn:example:bank-id"))
    assert Identity.objects.get(user=signed_in_user(client)).level == "high"


def test_without_a_person_number_no_identity_is_recorded(
    oidc: RunningProvider, client: Client
) -> None:
    response = sign_in(client, a_person(person_number=""))
    assert response.status_code == 302
    assert not Identity.objects.filter(user=signed_in_user(client)).exists()


def test_a_person_number_another_account_holds_is_not_taken(
    oidc: RunningProvider, client: Client
) -> None:
    holder = a_person()
    sign_in(Client(), holder)
    # At low assurance the sign-in works but records nothing about that number ...
    response = sign_in(client, a_person(person_number=holder["person_number"], acr=LOW))
    assert response.status_code == 302
    assert not Identity.objects.filter(user=signed_in_user(client)).exists()
    # ... at substantial it is refused, with a page saying so.
    other = Client()
    response = sign_in(other, a_person(person_number=holder["person_number"]))
    assert response.status_code == 409
    assert "belongs to another account" in response.content.decode()
    assert signed_in_user(other) is None
    assert (
        Identity.objects.get(person_hash=Identity.hash_of(holder["person_number"]))
        .user.oidc_logins.get()
        .subject
        == holder["sub"]
    )


def test_a_required_person_number_that_is_missing_refuses_the_sign_in(
    oidc: RunningProvider, client: Client, settings: Any
) -> None:
    settings.PUBLICA_OIDC_PERSON_REQUIRED = True
    before = User.objects.count()
    response = sign_in(client, a_person(person_number=""))
    assert response.status_code == 409
    assert "did not share your person number" in response.content.decode()
    assert signed_in_user(client) is None and User.objects.count() == before


def test_a_signed_in_resident_links_the_login_to_their_account(
    oidc: RunningProvider, client: Client
) -> None:
    resident = UserFactory(role=Role.RESIDENT)
    client.force_login(resident)
    person = a_person(email=resident.email)
    response = sign_in(client, person)
    assert response.status_code == 302
    assert OidcLogin.objects.get(subject=person["sub"]).user == resident
    assert Identity.objects.get(user=resident).person_id == person["person_number"]
    # From now on the login alone signs them in.
    other_browser = Client()
    sign_in(other_browser, person)
    assert signed_in_user(other_browser) == resident


def test_a_login_linked_to_another_account_is_not_moved(
    oidc: RunningProvider, client: Client
) -> None:
    person = a_person()
    sign_in(Client(), person)
    someone_else = UserFactory(role=Role.RESIDENT)
    client.force_login(someone_else)
    response = sign_in(client, person)
    assert response.status_code == 409
    assert "already linked to another account" in response.content.decode()
    assert OidcLogin.objects.get(subject=person["sub"]).user != someone_else


def test_a_verified_email_of_an_existing_account_is_not_taken_over(
    oidc: RunningProvider, client: Client
) -> None:
    resident = UserFactory(role=Role.RESIDENT, email="ada.local@example.org")
    before = User.objects.count()
    response = sign_in(client, a_person(email="Ada.Local@example.org"))
    assert response.status_code == 409
    assert "Sign in with your email and password" in response.content.decode()
    assert signed_in_user(client) is None and User.objects.count() == before
    assert not OidcLogin.objects.exists() or not OidcLogin.objects.filter(user=resident).exists()


def test_an_unverified_email_is_not_kept(oidc: RunningProvider, client: Client) -> None:
    UserFactory(role=Role.RESIDENT, email="ada.local2@example.org")
    response = sign_in(client, a_person(email="ada.local2@example.org", email_verified="false"))
    assert response.status_code == 302
    assert signed_in_user(client).email == ""  # type: ignore[union-attr]


def test_next_stays_on_our_site(oidc: RunningProvider, client: Client) -> None:
    assert sign_in(client, a_person(), next_url="/report/")["Location"] == "/report/"
    elsewhere = sign_in(Client(), a_person(), next_url="https://evil.example/steal")
    assert elsewhere["Location"] == "/account/cases/"


# Staff.


def test_staff_never_sign_in_with_the_provider(
    oidc: RunningProvider, client: Client, caseworker: User
) -> None:
    person = a_person()
    OidcLogin.objects.create(
        user=caseworker,
        issuer=oidc.issuer,
        subject=person["sub"],
        created_at=clock.now(),
        last_login_at=clock.now(),
    )
    response = sign_in(client, person)
    assert response.status_code == 403
    assert signed_in_user(client) is None


def test_a_closed_account_is_not_signed_in(oidc: RunningProvider, client: Client) -> None:
    person = a_person()
    sign_in(Client(), person)
    User.objects.filter(oidc_logins__subject=person["sub"]).update(is_active=False)
    response = sign_in(client, person)
    assert response.status_code == 403
    assert "This account is closed" in response.content.decode()
    assert signed_in_user(client) is None


def test_signed_in_staff_cannot_start_a_provider_sign_in(
    oidc: RunningProvider, client: Client, caseworker: User
) -> None:
    client.force_login(caseworker)
    response = client.get("/account/oidc/start/")
    assert response.status_code == 403
    assert "Staff sign in with their password" in response.content.decode()


# The answer from the provider is checked.


def test_a_tampered_state_is_refused(
    oidc: RunningProvider, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    callback = at_provider(client, a_person())
    query = parse_qs(urlsplit(callback).query)
    query["state"] = ["x" + query["state"][0][1:]]
    response = client.get("/account/oidc/callback/", {k: v[0] for k, v in query.items()})
    assert response.status_code == 400
    assert "Start signing in again" in response.content.decode()
    assert signed_in_user(client) is None
    assert "OIDC sign-in failed: state" in caplog.text


def test_a_callback_without_state_is_refused(oidc: RunningProvider, client: Client) -> None:
    response = client.get("/account/oidc/callback/", {"code": "made-up"})
    assert response.status_code == 400


def test_a_replayed_callback_is_refused(oidc: RunningProvider, client: Client) -> None:
    callback = at_provider(client, a_person())
    assert come_back(client, callback).status_code == 302
    assert come_back(client, callback).status_code == 400
    # Nor does it work in another browser (an attacker who captured the URL).
    thief = Client()
    assert come_back(thief, callback).status_code == 400
    assert signed_in_user(thief) is None


def test_a_wrong_nonce_is_refused(
    oidc: RunningProvider, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    callback = at_provider(client, a_person())
    session = client.session
    pending = session["publica_oidc_pending"]
    for started in pending.values():
        started["nonce"] = "not-the-nonce-we-sent"
    session["publica_oidc_pending"] = pending
    session.save()
    response = come_back(client, callback)
    assert response.status_code == 502
    assert "could not check the answer" in response.content.decode()
    assert signed_in_user(client) is None
    assert "OIDC sign-in failed: id_token (ID token refused: InvalidClaimError)" in caplog.text


def test_an_expired_id_token_is_refused(
    oidc: RunningProvider, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    callback = at_provider(client, a_person())
    oidc.set_clock(-2 * 3600)  # the provider's clock is two hours slow: its token has expired
    try:
        response = come_back(client, callback)
    finally:
        oidc.set_clock(0)
    assert response.status_code == 502
    assert signed_in_user(client) is None
    assert "OIDC sign-in failed: id_token (ID token refused: ExpiredTokenError)" in caplog.text


def test_an_id_token_signed_with_the_client_secret_is_refused(
    oidc: RunningProvider, client: Client, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.PUBLICA_OIDC_CLIENT_ID = f"{CLIENT_ID}-hs256"
    response = sign_in(client, a_person())
    assert response.status_code == 502
    assert "could not check the answer" in response.content.decode()
    assert signed_in_user(client) is None
    assert "OIDC sign-in failed: id_token" in caplog.text


def test_cancelling_at_the_provider_shows_a_clear_page(
    oidc: RunningProvider, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = sign_in(client, a_person(), abort=True)
    assert response.status_code == 403
    assert "You did not finish signing in" in response.content.decode()
    assert signed_in_user(client) is None
    assert "OIDC sign-in failed: access_denied" in caplog.text


# The provider is not there.


def test_a_provider_that_is_down_gives_a_clear_page(
    settings: Any, client: Client, db: None
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    configure(settings, f"http://127.0.0.1:{closed_port}")
    response = client.get("/account/oidc/start/")
    assert response.status_code == 502
    assert "We could not reach the test login" in response.content.decode()


def test_a_provider_that_does_not_answer_times_out(
    settings: Any, client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections into the backlog, never answers
        configure(settings, f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
        response = client.get("/account/oidc/start/")
    assert response.status_code == 502
    assert "OIDC sign-in failed: unreachable (timed out" in caplog.text


def test_a_provider_that_goes_down_before_the_callback_gives_a_clear_page(
    settings: Any, client: Client, db: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    short_lived = start_provider(tmp_path / "provider.log")
    try:
        configure(settings, short_lived.issuer)
        callback = at_provider(client, a_person())
    finally:
        short_lived.stop()
    response = come_back(client, callback)
    assert response.status_code == 502
    assert "We could not reach the test login" in response.content.decode()
    assert signed_in_user(client) is None
    assert "OIDC sign-in failed: unreachable (token endpoint: ConnectionError)" in caplog.text


# Pages.


def test_the_sign_in_page_offers_the_provider_only_when_configured(
    settings: Any, client: Client, db: None
) -> None:
    settings.PUBLICA_OIDC_ISSUER = ""
    assert "Sign in with" not in client.get("/account/sign-in/").content.decode()
    assert client.get("/account/oidc/start/").status_code == 404
    settings.PUBLICA_OIDC_ISSUER = "https://login.example.org"
    settings.PUBLICA_OIDC_NAME = "the national login"
    page = client.get("/account/sign-in/?next=/report/").content.decode()
    assert "Sign in with the national login" in page
    assert 'href="/account/oidc/start/?next=%2Freport%2F"' in page


def test_the_account_page_shows_how_the_resident_was_checked(
    oidc: RunningProvider, client: Client
) -> None:
    sign_in(client, a_person(acr=HIGH))
    page = client.get("/account/cases/").content.decode()
    assert "How we know who you are" in page and "High" in page
    assert "Link the test login" not in page
    resident = UserFactory(role=Role.RESIDENT)
    other = Client()
    other.force_login(resident)
    assert "Link the test login" in other.get("/account/cases/").content.decode()
