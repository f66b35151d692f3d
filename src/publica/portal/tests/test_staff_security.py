"""Staff passkeys, the idle timeout, and a recent second factor for decisions and exports."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from publica.accounts.models import Department, User
from publica.accounts.tests.authenticator import SoftAuthenticator
from publica.accounts.tests.factories import UserFactory
from publica.cases.models import Case
from publica.cases.tests.factories import submit_pothole
from publica.core import clock

REASON = "Surface sound on inspection; kerb checked too"


@contextmanager
def later(**delta: float) -> Iterator[None]:
    """Requests in the block happen this long after now (for the session's timestamps)."""
    with clock.at(dt.datetime.now(dt.UTC) + dt.timedelta(**delta)):
        yield


def text(response: Any) -> str:
    return str(response.content.decode())


def options_in(page: str, element_id: str) -> dict[str, Any]:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page)
    assert found, f"no {element_id} on the page"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def recovery_code(user: User, code: str = "sesame12") -> str:
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    device.token_set.create(token=code)
    return code


def next_app_code(user: User) -> str:
    """The app's code for the next 30 seconds (the one at sign-in cannot be used twice)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, drift=1):06d}"


def add_passkey(client: Client, name: str = "work laptop", **kind: Any) -> SoftAuthenticator:
    key = SoftAuthenticator(**kind)
    page = text(client.get("/staff/security/"))
    answer = key.create(options_in(page, "passkey-registration-options"))
    response = client.post("/staff/security/passkeys/", {"name": name, "credential": answer})
    assert response.status_code == 302, text(response)
    return key


def sign_in_with_password(client: Client, user: User) -> None:
    client.logout()
    response = client.post(
        "/staff/sign-in/", {"username": user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def verify_with(client: Client, key: SoftAuthenticator, **answer: Any) -> Any:
    options = options_in(text(client.get("/staff/verify/")), "passkey-options")
    return client.post("/staff/verify/", {"passkey": key.get(options, **answer)})


# Passkeys


def test_a_caseworker_adds_a_passkey_and_signs_in_with_it_instead_of_a_code(
    caseworker, staff_client
):
    staff = staff_client(caseworker)
    key = add_passkey(staff, "work laptop")
    assert "work laptop" in text(staff.get("/staff/security/"))
    sign_in_with_password(staff, caseworker)
    assert staff.get("/staff/").status_code == 302  # not past the second factor yet
    response = verify_with(staff, key)
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert staff.get("/staff/").status_code == 200


def test_the_code_still_works_for_someone_with_a_passkey(caseworker, staff_client):
    staff = staff_client(caseworker)
    add_passkey(staff)
    sign_in_with_password(staff, caseworker)
    page = text(staff.get("/staff/verify/"))
    assert 'name="token"' in page and "Use your passkey" in page
    assert staff.post("/staff/verify/", {"token": next_app_code(caseworker)}).status_code == 302
    assert staff.get("/staff/").status_code == 200


def test_a_cloned_passkey_whose_counter_went_back_is_refused(caseworker, staff_client):
    staff = staff_client(caseworker)
    key = add_passkey(staff)
    clone = key.clone()
    sign_in_with_password(staff, caseworker)
    assert verify_with(staff, key).status_code == 302
    sign_in_with_password(staff, caseworker)
    refused = verify_with(staff, clone)
    assert refused.status_code == 200 and "The passkey was not accepted" in text(refused)
    assert staff.get("/staff/").status_code == 302


def test_a_passkey_of_another_member_of_staff_is_refused(caseworker, supervisor, staff_client):
    theirs = add_passkey(staff_client(supervisor), "supervisor key")
    staff = Client()
    sign_in_with_password(staff, caseworker)
    staff.post("/staff/verify/", {"token": f"{totp(_device(caseworker).bin_key):06d}"})
    add_passkey(staff, "my key")
    sign_in_with_password(staff, caseworker)
    refused = verify_with(staff, theirs)
    assert "The passkey was not accepted" in text(refused)
    assert staff.get("/staff/").status_code == 302


def test_a_replayed_passkey_answer_is_refused(caseworker, staff_client):
    staff = staff_client(caseworker)
    key = add_passkey(staff, counting=False)  # no counter: only the challenge stops a replay
    sign_in_with_password(staff, caseworker)
    options = options_in(text(staff.get("/staff/verify/")), "passkey-options")
    answer = key.get(options)
    assert staff.post("/staff/verify/", {"passkey": answer}).status_code == 302
    sign_in_with_password(staff, caseworker)
    assert "not accepted" in text(staff.post("/staff/verify/", {"passkey": answer}))
    staff.get("/staff/verify/")  # a new challenge does not revive the old answer either
    assert "not accepted" in text(staff.post("/staff/verify/", {"passkey": answer}))
    assert staff.get("/staff/").status_code == 302


def test_a_passkey_answer_made_for_another_site_is_refused(caseworker, staff_client):
    staff = staff_client(caseworker)
    key = add_passkey(staff)
    sign_in_with_password(staff, caseworker)
    assert "not accepted" in text(verify_with(staff, key, origin="https://evil.test"))
    assert "not accepted" in text(verify_with(staff, key, rp_id="evil.test"))
    assert staff.get("/staff/").status_code == 302


def test_the_relying_party_comes_from_settings_when_set(caseworker, staff_client, settings):
    settings.PUBLICA_WEBAUTHN_RP_ID = "council.example"
    settings.PUBLICA_WEBAUTHN_ORIGIN = "https://council.example"
    staff = staff_client(caseworker)
    options = options_in(text(staff.get("/staff/security/")), "passkey-registration-options")
    assert options["rp"]["id"] == "council.example"
    key = SoftAuthenticator()  # answers from http://testserver
    response = staff.post(
        "/staff/security/passkeys/", {"name": "laptop", "credential": key.create(options)}
    )
    assert response.status_code == 400 and "could not be checked" in text(response)


def test_a_passkey_is_named_listed_and_removed_by_its_owner_only(
    caseworker, supervisor, staff_client
):
    staff = staff_client(caseworker)
    add_passkey(staff, "blue key")
    add_passkey(staff, "phone")
    page = text(staff.get("/staff/security/"))
    cell = '<td class="govuk-table__cell">{}</td>'.format
    assert page.index(cell("blue key")) < page.index(cell("phone"))
    passkey = caseworker.webauthn_credentials.get(name="blue key")
    other = staff_client(supervisor)
    assert other.post(f"/staff/security/passkeys/{passkey.pk}/remove/").status_code == 404
    staff = staff_client(caseworker)
    assert staff.post(f"/staff/security/passkeys/{passkey.pk}/remove/").status_code == 302
    assert list(caseworker.webauthn_credentials.values_list("name", flat=True)) == ["phone"]


def test_adding_a_passkey_without_a_name_says_so(caseworker, staff_client):
    staff = staff_client(caseworker)
    page = text(staff.get("/staff/security/"))
    answer = SoftAuthenticator().create(options_in(page, "passkey-registration-options"))
    response = staff.post("/staff/security/passkeys/", {"name": "", "credential": answer})
    assert response.status_code == 400
    assert 'href="#passkey-name"' in text(response)
    assert not caseworker.webauthn_credentials.exists()


# The idle timeout


def test_staff_idle_longer_than_the_limit_are_signed_out_and_told_why(caseworker, staff_client):
    staff = staff_client(caseworker)
    with later(minutes=29):
        assert staff.get("/staff/").status_code == 200
    with later(minutes=58):
        assert staff.get("/staff/").status_code == 200  # 29 minutes after the last request
    with later(minutes=89):
        response = staff.get("/staff/?view=mine", follow=True)
    assert response.redirect_chain[-1][0] == "/staff/sign-in/?next=%2Fstaff%2F%3Fview%3Dmine"
    assert "not used for 30 minutes" in text(response)
    assert "_auth_user_id" not in staff.session
    signin = response.redirect_chain[-1][0]
    staff.post(signin, {"username": caseworker.username, "password": "correct-horse-battery"})
    back = staff.post("/staff/verify/", {"token": next_app_code(caseworker)})
    assert back["Location"] == "/staff/?view=mine"  # where they were


def test_the_idle_limit_comes_from_settings(caseworker, staff_client, settings):
    settings.PUBLICA_STAFF_IDLE_MINUTES = 5
    staff = staff_client(caseworker)
    with later(minutes=6):
        assert staff.get("/staff/").status_code == 302
    assert "_auth_user_id" not in staff.session


def test_residents_keep_the_normal_session_age(client, resident):
    client.force_login(resident)
    client.get("/")
    with later(hours=3):
        client.get("/")
        assert client.session["_auth_user_id"] == str(resident.pk)


# A recent second factor for decisions, bulk actions, exports and admin changes


def test_a_decision_after_ten_minutes_asks_for_a_code_and_keeps_what_was_typed(
    pothole, caseworker, staff_client
):
    case = submit_pothole(pothole, None)
    staff = staff_client(caseworker)
    url = f"/staff/cases/{case.reference}/transition/"
    decision = {"to": "no_action", "reason": REASON, "version": str(case.version)}
    with later(minutes=11):
        asked = staff.post(url, decision)
        page = text(asked)
        assert asked.status_code == 200 and "last 10 minutes" in page
        assert f'action="{url}"' in page and 'name="reauth-token"' in page
        assert 'value="Surface sound on inspection; kerb checked too"' in page
        assert Case.objects.get(pk=case.pk).state == "submitted"
        done = staff.post(url, {**decision, "reauth-token": next_app_code(caseworker)})
        assert done.status_code == 302
        assert Case.objects.get(pk=case.pk).state == "no_action"
        # and the fresh code counts for the next ten minutes
        other = submit_pothole(pothole, None)
        staff.post(f"/staff/cases/{other.reference}/transition/", {"to": "duplicate"})
        assert Case.objects.get(pk=other.pk).state == "duplicate"


def test_a_wrong_code_is_said_so_and_the_decision_waits(pothole, caseworker, staff_client):
    case = submit_pothole(pothole, None)
    staff = staff_client(caseworker)
    url = f"/staff/cases/{case.reference}/transition/"
    with later(minutes=11):
        wrong = text(staff.post(url, {"to": "no_action", "reason": REASON, "reauth-token": "0"}))
    assert "The code is not right" in wrong and 'href="#token"' in wrong
    assert "kerb checked too" in wrong and 'name="reauth-token"' in wrong
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_a_decision_can_be_confirmed_with_a_passkey(pothole, caseworker, staff_client):
    case = submit_pothole(pothole, None)
    staff = staff_client(caseworker)
    key = add_passkey(staff)
    url = f"/staff/cases/{case.reference}/transition/"
    with later(minutes=11):
        options = options_in(text(staff.post(url, {"to": "duplicate"})), "passkey-options")
        staff.post(url, {"to": "duplicate", "reauth-passkey": key.get(options)})
    assert Case.objects.get(pk=case.pk).state == "duplicate"


def test_steps_that_decide_nothing_do_not_ask_again(pothole, caseworker, staff_client):
    case = submit_pothole(pothole, None)
    staff = staff_client(caseworker)
    with later(minutes=11):
        staff.post(f"/staff/cases/{case.reference}/transition/", {"to": "inspecting"})
        staff.post(f"/staff/cases/{case.reference}/note/", {"text": "Booked for Tuesday"})
    assert Case.objects.get(pk=case.pk).state == "inspecting"
    assert case.events.filter(kind="note_added").exists()


def test_bulk_actions_ask_again_after_ten_minutes(pothole, caseworker, staff_client):
    first, second = submit_pothole(pothole, None), submit_pothole(pothole, None)
    staff = staff_client(caseworker)
    chosen = {"cases": [first.reference, second.reference], "action": "transition:inspecting"}
    with later(minutes=11):
        page = text(staff.post("/staff/bulk/", chosen))
        assert page.count('name="cases"') == 2 and "last 10 minutes" in page
        assert set(Case.objects.values_list("state", flat=True)) == {"submitted"}
        code = recovery_code(caseworker)
        assert staff.post("/staff/bulk/", {**chosen, "reauth-token": code}).status_code == 302
    assert set(Case.objects.values_list("state", flat=True)) == {"inspecting"}


def test_an_export_after_ten_minutes_asks_again_then_downloads(staff_client, highways):
    auditor = UserFactory(auditor=True)
    staff = staff_client(auditor)
    assert staff.get("/staff/access/?csv=1")["Content-Type"].startswith("text/csv")
    with later(minutes=11):
        asked = staff.get("/staff/access/?csv=1&show=all")
        assert "text/html" in asked["Content-Type"] and 'action="/staff/verify/"' in text(asked)
        response = staff.post("/staff/verify/", {"token": recovery_code(auditor)})
        assert response["Location"] == "/staff/access/?csv=1&show=all"
        assert staff.get(response["Location"])["Content-Type"].startswith("text/csv")


def test_a_staff_dashboard_csv_asks_again_but_the_public_one_does_not(
    staff_client, highways, client
):
    admin = UserFactory(admin=True)
    staff = staff_client(admin)
    with later(minutes=11):
        asked = staff.get("/staff/insights/?csv=flow-by-week")
        assert "last 10 minutes" in text(asked)
        public = staff.get("/performance/?csv=sla-by-service")
    assert public.status_code in (200, 404) and "last 10 minutes" not in text(public)


def test_an_admin_change_after_ten_minutes_asks_again(staff_client, highways):
    admin = UserFactory(admin=True)
    staff = staff_client(admin)
    added = {"slug": "parks", "name": "Parks", "organisation": highways.organisation_id}
    with later(minutes=11):
        assert staff.get("/admin/accounts/department/add/").status_code == 200  # reading is fine
        asked = staff.post("/admin/accounts/department/add/", added)
        assert "last 10 minutes" in text(asked)
        assert not Department.objects.filter(slug="parks").exists()
        code = recovery_code(admin)
        staff.post("/admin/accounts/department/add/", {**added, "reauth-token": code})
    assert Department.objects.filter(slug="parks").exists()


def test_signing_in_to_the_admin_with_its_code_counts_as_a_recent_second_factor(client, highways):
    admin = UserFactory(admin=True)
    device = _device(admin)
    response = client.post(
        "/admin/login/",
        {"username": admin.username, "password": "correct-horse-battery",
         "otp_device": device.persistent_id, "otp_token": f"{totp(device.bin_key):06d}"},
    )  # fmt: skip
    assert response.status_code == 302
    added = {"slug": "parks", "name": "Parks", "organisation": highways.organisation_id}
    client.post("/admin/accounts/department/add/", added)
    assert Department.objects.filter(slug="parks").exists()


def test_replacing_the_authenticator_app_asks_for_the_old_one_first(caseworker, staff_client):
    staff = staff_client(caseworker)
    assert "QR code" in text(staff.get("/staff/two-factor/"))
    with later(minutes=11):
        asked = text(staff.get("/staff/two-factor/"))
    assert "last 10 minutes" in asked and 'action="/staff/verify/"' in asked


def test_a_member_of_staff_who_never_proved_a_factor_in_this_session_is_asked(
    pothole, caseworker, client
):
    """A session verified before this feature (no timestamp) counts as stale."""
    case = submit_pothole(pothole, None)
    client.force_login(caseworker)
    session = client.session
    session["otp_device_id"] = _device(caseworker).persistent_id
    session.save()
    page = text(client.post(f"/staff/cases/{case.reference}/transition/", {"to": "duplicate"}))
    assert "last 10 minutes" in page
    assert Case.objects.get(pk=case.pk).state == "submitted"


def _device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.fixture(autouse=True)
def _defaults(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLICA_STAFF_IDLE_MINUTES = 30
    settings.PUBLICA_REAUTH_MINUTES = 10
    settings.PUBLICA_WEBAUTHN_RP_ID = settings.PUBLICA_WEBAUTHN_ORIGIN = ""
