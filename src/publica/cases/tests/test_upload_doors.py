"""Every door a file comes in by refuses the same attacks, names the field, and keeps nothing."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from publica.accounts.apikeys import apikey_create
from publica.accounts.tests.factories import DepartmentFactory
from publica.cases import services as case_services
from publica.cases.models import Attachment, Case
from publica.cases.tests import uploadfiles as files
from publica.core.actors import SystemActor
from publica.portal.models import PendingUpload
from publica.testing import load_demo_service

pytestmark = pytest.mark.django_db

ATTACKS = {
    "program named .pdf": ("plan.pdf", files.PE, "application/pdf", "not a program"),
    "ELF named .jpg": ("photo.jpg", files.ELF, "image/jpeg", "not a program"),
    "Mach-O named .png": ("photo.png", files.MACH_O, "image/png", "not a program"),
    "script named .jpg": ("photo.jpg", files.SCRIPT, "image/jpeg", "not a script"),
    "zip bomb": (
        "photos.zip",
        files.zip_of("a.bin", bytes(20 * 1024 * 1024)),
        "image/png",
        "archive",
    ),
    "oversized image": ("huge.png", files.png(50_000, 50_000), "image/png", "too large to open"),
    "svg with script": ("logo.svg", files.SVG, "image/svg+xml", "SVG pictures can"),
    "svg named .png": ("logo.png", files.SVG_WITH_XML, "image/png", "SVG pictures can"),
    "html as image": ("photo.jpg", files.HTML, "image/jpeg", "must be a PDF, JPG"),
    "png + zip polyglot": (
        "photo.png",
        files.png(after=files.zip_of("evil.exe", files.PE)),
        "image/png",
        "something after the picture",
    ),
    "jpeg + html polyglot": (
        "photo.jpg",
        files.jpeg(comment=b"<html><script>alert(1)</script></html>"),
        "image/jpeg",
        "web page",
    ),
    "pdf with javascript": (
        "form.pdf",
        files.PDF[:-6] + b"<< /S /JavaScript /JS (app.alert(1)) >>\n%%EOF\n",
        "application/pdf",
        "a script",
    ),
}


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type)


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_a_form_file_question_refuses_the_attack_and_keeps_nothing(client, attack: str) -> None:
    name, data, content_type, reason = ATTACKS[attack]
    DepartmentFactory(slug="building-control")
    load_demo_service("building-permit")
    client.get("/services/building-permit/start/")
    client.post("/services/building-permit/form/1/", {"application_type": "full-plans"})
    client.post(
        "/services/building-permit/form/2/",
        {"site_address": "4 Kiln Lane, Millbrook MB1 2AA", "building_use": "house",
         "work_type": "loft-conversion"},
    )  # fmt: skip
    client.post("/services/building-permit/form/3/", {"using_agent": "no"})

    response = client.post(
        "/services/building-permit/form/4/", {"plans": upload(name, data, content_type)}
    )

    assert response.status_code == 200  # the page again, with the error against the question
    assert f"{name}: " in page_text(response) and reason in page_text(response)
    assert not PendingUpload.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_an_answer_to_an_information_request_refuses_the_attack_and_keeps_nothing(
    client, pothole, caseworker, attack: str
) -> None:
    name, data, content_type, reason = ATTACKS[attack]
    client.get("/services/pothole/start/")
    client.post(
        "/services/pothole/form/1/",
        {"location-address": "12 Kiln Lane, Millbrook", "road_type": "residential"},
    )
    client.post("/services/pothole/form/2/", {"size": "small"})
    client.post("/services/pothole/check/", {"contact-email": "walker@example.org"})
    case = Case.objects.latest("pk")
    question = case_services.case_request_info(case=case, question="Photo?", actor=caseworker)

    response = client.post(
        f"/cases/{case.reference}/answers/{question.pk}/",
        {"answer": "here", "files": upload(name, data, content_type)},
        follow=True,  # back to the case page, the reason shown there
    )

    assert f"{name}: " in page_text(response) and reason in page_text(response)
    question.refresh_from_db()
    assert question.is_open
    assert not Attachment.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_an_api_attachment_refuses_the_attack_with_a_field_error(
    client, highways, pothole, resident, attack: str
) -> None:
    from publica.cases.tests.factories import submit_pothole

    name, data, content_type, reason = ATTACKS[attack]
    _, raw = apikey_create(name="Roads app", scopes=["cases:write"], actor=SystemActor("tests"))
    case = submit_pothole(pothole, resident)

    response = client.post(
        f"/api/v1/cases/{case.reference}/attachments",
        {"files": [upload(name, data, content_type)]},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "files.0" and reason in error["message"]
    assert not Attachment.objects.exists()
    assert media_files() == []
