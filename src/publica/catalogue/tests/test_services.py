"""Loading service files as immutable, numbered versions."""

from __future__ import annotations

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases.tests.factories import submit_pothole
from publica.catalogue import servicefile
from publica.catalogue.models import Service, ServiceVersion
from publica.catalogue.selectors import service_get
from publica.catalogue.services import service_load, service_load_path
from publica.core.errors import InvalidInput, PermissionDenied
from publica.testing import DEMO_SERVICES, LOADER

pytestmark = pytest.mark.django_db
POTHOLE = (DEMO_SERVICES / "pothole.yaml").read_text()


def test_loading_a_new_service_creates_version_one(highways):
    result = service_load(definition=servicefile.parse(POTHOLE), actor=LOADER)
    assert result.created
    service = Service.objects.get(slug="pothole")
    assert (service.current_version.number, service.department) == (1, highways)
    assert service.title == "Report a pothole"


def test_loading_an_unchanged_file_creates_nothing(pothole):
    result = service_load(definition=servicefile.parse(POTHOLE), actor=LOADER)
    assert not result.created
    assert ServiceVersion.objects.count() == 1


def test_a_changed_file_becomes_the_next_version_and_old_cases_keep_theirs(pothole, resident):
    old_case = submit_pothole(pothole, resident)
    changed = servicefile.parse(POTHOLE.replace("days: 10", "days: 5"))
    result = service_load(definition=changed, actor=LOADER)
    pothole.refresh_from_db()
    assert result.created and pothole.current_version.number == 2
    new_case = submit_pothole(pothole, resident)
    old_case.refresh_from_db()
    assert old_case.service_version.number == 1
    assert new_case.service_version.number == 2
    assert old_case.service_version.definition["sla"]["days"] == 10


def test_a_new_version_is_used_at_once_by_the_process_that_loaded_it(pothole):
    assert service_get(slug="pothole").current_version.number == 1
    service_load(definition=servicefile.parse(POTHOLE.replace("days: 10", "days: 5")), actor=LOADER)
    current = service_get(slug="pothole").current_version
    assert current.number == 2 and current.definition["sla"]["days"] == 5


def test_a_stored_version_cannot_be_changed(pothole):
    version = pothole.current_version
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_loading_needs_the_department_to_exist(db):
    with pytest.raises(InvalidInput, match="no department with slug 'highways'"):
        service_load(definition=servicefile.parse(POTHOLE), actor=LOADER)
    assert not Service.objects.exists()


def test_only_designers_and_admins_load_services(highways):
    definition = servicefile.parse(POTHOLE)
    with pytest.raises(PermissionDenied):
        service_load(
            definition=definition, actor=UserFactory(role=Role.CASEWORKER, department=highways)
        )
    assert service_load(definition=definition, actor=UserFactory(designer=True)).created


def test_loading_a_folder_is_all_or_nothing(highways, tmp_path):
    (tmp_path / "pothole.yaml").write_text(POTHOLE)
    (tmp_path / "broken.yaml").write_text(POTHOLE.replace("slug: pothole", "slug: Broken!"))
    with pytest.raises(InvalidInput) as caught:
        service_load_path(path=tmp_path, actor=LOADER)
    assert "broken.yaml:2: slug:" in str(caught.value)
    assert not Service.objects.exists()
    (tmp_path / "broken.yaml").unlink()
    assert [r.version.number for r in service_load_path(path=tmp_path, actor=LOADER)] == [1]


def test_loading_a_missing_path_says_so(db, tmp_path):
    with pytest.raises(InvalidInput, match="no such file or folder"):
        service_load_path(path=tmp_path / "nope", actor=LOADER)
