"""A full upload disk refuses files in words (never a 500), keeps no half-written file and no
half-stored case, and takes files again once there is room."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from publica.accounts.apikeys import apikey_create
from publica.accounts.tests.factories import DepartmentFactory
from publica.cases import services as case_services
from publica.cases.models import Attachment, Case
from publica.cases.tests import uploadfiles as files
from publica.cases.tests.factories import submit_pothole
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput
from publica.portal.models import PendingUpload
from publica.testing import load_demo_service

pytestmark = pytest.mark.django_db

PHOTO = files.png(300, 300, text=os.urandom(40_000))  # bigger than the room left


@pytest.fixture
def full_media(settings, tmp_path: Path) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """MEDIA_ROOT on a 256 kB file system filled to the last byte; yields the filler file."""
    media = tmp_path / "media"
    media.mkdir()
    mounted = (
        os.geteuid() == 0
        and not subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(media)], capture_output=True
        ).returncode
    )
    if not mounted:
        pytest.skip("mounting a small file system needs root")
    settings.MEDIA_ROOT = media
    filler = media / "filler"
    try:
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(descriptor, bytes(4096)):
                pass
        except OSError:  # full
            pass
        finally:
            os.close(descriptor)
        yield filler
    finally:
        subprocess.run(["umount", str(media)], check=True)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file() and path.name != "filler"]


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.png", PHOTO, "image/png")


def test_an_api_attachment_on_a_full_disk_is_refused_in_words_then_taken_once_there_is_room(
    client, pothole, resident, full_media: Path
) -> None:
    _, raw = apikey_create(name="Roads app", scopes=["cases:write"], actor=SystemActor("tests"))
    case = submit_pothole(pothole, resident)
    url, key = f"/api/v1/cases/{case.reference}/attachments", f"Bearer {raw}"

    refused = client.post(url, {"files": [photo()]}, HTTP_AUTHORIZATION=key)

    assert refused.status_code == 422, refused.content
    [error] = refused.json()["errors"]
    assert error["field"] == "files" and "no room to store files" in error["message"]
    assert not Attachment.objects.exists()
    assert stored_files(full_media.parent) == []  # nothing half written left behind

    full_media.unlink()
    accepted = client.post(url, {"files": [photo()]}, HTTP_AUTHORIZATION=key)

    assert accepted.status_code == 201, accepted.content
    assert Attachment.objects.count() == 1 and len(stored_files(full_media.parent)) == 1


def test_a_case_whose_files_do_not_fit_is_not_stored_and_keeps_none_of_its_files(
    building_permit, resident, full_media: Path
) -> None:
    full_media.write_bytes(bytes(236_000))  # room for a small plan (24 kB), not the photo
    answers = {
        "application_type": "full-plans",
        "site_address": "4 Kiln Lane, Millbrook",
        "building_use": "house",
        "work_type": "loft-conversion",
        "using_agent": False,
    }
    small = SimpleUploadedFile("plan.png", files.png(4, 3), "image/png")

    with pytest.raises(InvalidInput) as refused:
        case_services.case_submit(
            service=building_permit, data=answers, actor=resident, files={"plans": [small, photo()]}
        )

    assert "no room to store files" in str(refused.value)
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert stored_files(full_media.parent) == []


def test_a_form_page_upload_on_a_full_disk_shows_the_error_against_its_question(
    client, building_permit, full_media: Path
) -> None:
    client.get("/services/building-permit/start/")
    client.post("/services/building-permit/form/1/", {"application_type": "full-plans"})
    client.post(
        "/services/building-permit/form/2/",
        {"site_address": "4 Kiln Lane, Millbrook MB1 2AA", "building_use": "house",
         "work_type": "loft-conversion"},
    )  # fmt: skip
    client.post("/services/building-permit/form/3/", {"using_agent": "no"})

    response = client.post("/services/building-permit/form/4/", {"plans": photo()})

    assert response.status_code == 200  # the page again, with the error against the question
    assert "no room to store files just now" in response.content.decode()
    assert not PendingUpload.objects.exists()
    assert stored_files(full_media.parent) == []


@pytest.fixture
def building_permit(db: None):  # type: ignore[no-untyped-def]
    DepartmentFactory(slug="building-control")
    return load_demo_service("building-permit")
