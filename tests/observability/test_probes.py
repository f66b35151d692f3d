"""/healthz says the process answers without asking the database; /readyz names each check
and answers 503 when one fails."""

from __future__ import annotations

import pytest
from django.db.migrations.recorder import MigrationRecorder


def test_healthz_answers_without_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_probes_answer_a_load_balancer_that_asks_by_address(client):
    assert client.get("/healthz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.0.3.7:8000").status_code == 400


@pytest.mark.django_db
def test_readyz_names_each_check_when_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "data_folder": "ok"},
    }


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_not_applied(client):
    MigrationRecorder.Migration.objects.filter(app="privacy").order_by("-id").first().delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 not applied"
    assert response.json()["status"] == "failing"


@pytest.mark.django_db
def test_readyz_is_503_when_the_data_folder_takes_no_files(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "gone"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "data_folder": "not writable",
    }


@pytest.mark.django_db
def test_readyz_tells_no_versions_or_settings(client, settings):
    text = client.get("/readyz").content.decode()
    database = settings.DATABASES["default"]
    assert str(database["NAME"]) not in text
    assert "django" not in text.lower() and "python" not in text.lower()


def test_every_response_carries_its_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_request_id_from_the_proxy_in_front_is_kept_and_a_strange_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-4f2a9c01")["X-Request-ID"] == (
        "edge-4f2a9c01"
    )
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="jane@example.org")["X-Request-ID"]
    assert "@" not in replaced and len(replaced) == 32
