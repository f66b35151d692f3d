"""`publica backup` and `publica restore`, run as the real command against the test database:
a backup restored into an empty data folder (or an empty new PostgreSQL database) holds every
case, event, attachment, outbox message and ledger entry as they were, and its ledger
verifies; a damaged backup, the wrong key, a non-empty target or the other database engine
are refused, with nothing restored."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from publica.cases.models import Attachment, Case, CaseEvent
from publica.cases.services import case_attach, case_transition
from publica.cases.tests.factories import submit_pothole
from publica.cases.tests.uploadfiles import PDF, png
from publica.core.backup_stream import key_id, new_key
from publica.ledger.models import Checkpoint, Entry, Tile
from publica.ledger.services import ledger_sequence
from publica.notify.models import Message

pytestmark = pytest.mark.django_db(transaction=True)  # the command reads what was committed

PUBLICA = str(Path(sys.executable).parent / "publica")
KEY = new_key()
MODELS = [Case, CaseEvent, Attachment, Message, Entry, Checkpoint, Tile]
POSTGRES = connection.vendor == "postgresql"


def url(name: str | None = None) -> str:
    db = connection.settings_dict
    if not POSTGRES:
        return f"sqlite:///{name or db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{name or db['NAME']}"


def publica(*args: object, data_dir: Path, database: str, key: str | None = KEY):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBLICA_", "DATABASE_URL"))}
    env.update(PUBLICA_DATA_DIR=str(data_dir), DATABASE_URL=database)
    if key is not None:
        env["PUBLICA_BACKUP_KEY"] = key
    return subprocess.run(
        [PUBLICA, *map(str, args)], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def source(settings, tmp_path) -> Path:
    """The instance backed up: its data folder (keys, uploads) and the test database."""
    folder = tmp_path / "source"
    folder.mkdir()
    settings.DATA_DIR, settings.MEDIA_ROOT = folder, folder / "media"
    # so the ledger's and the fields' keys are files in the folder
    settings.PUBLICA_LEDGER_KEY = settings.PUBLICA_FIELD_KEYS = ""
    return folder


@pytest.fixture
def target(tmp_path):
    """An empty data folder and an empty database to restore into."""
    folder = tmp_path / "target"
    folder.mkdir()
    if not POSTGRES:
        yield folder, url(str(folder / "publica.sqlite3"))
        return
    import psycopg

    name = f"publica_backup_{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    admin = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield folder, url(name)
    finally:
        with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_world(pothole, caseworker, cases: int = 3) -> None:
    """Cases with attachments, their outbox messages and ledger entries, all sequenced."""
    for n in range(cases):
        case = submit_pothole(pothole, contact={"email": f"resident{n}@example.org"})
        files = [
            SimpleUploadedFile(f"photo-{n}.png", png(8 + n, 6), "image/png"),
            SimpleUploadedFile("letter.pdf", PDF, "application/pdf"),
        ]
        case_attach(case=case, files=files, actor=caseworker)
        case_transition(case=case, to="inspecting", actor=caseworker)
    while ledger_sequence() is not None:
        pass


def rows_here() -> dict[str, list[dict]]:
    return {
        model._meta.label_lower: json.loads(
            serializers.serialize("json", model.objects.order_by("pk"))
        )
        for model in MODELS
    }


def rows_there(folder: Path, database: str) -> dict[str, list[dict]]:
    labels = [model._meta.label for model in MODELS]
    dumped = publica("dumpdata", *labels, data_dir=folder, database=database)
    assert dumped.returncode == 0, dumped.stderr
    rows: dict[str, list[dict]] = {model._meta.label_lower: [] for model in MODELS}
    for row in json.loads(dumped.stdout):
        rows[row["model"]].append(row)
    return rows


def backed_up(source: Path, tmp_path: Path) -> Path:
    path = tmp_path / "publica.backup"
    made = publica("backup", "--output", path, data_dir=source, database=url())
    assert made.returncode == 0, made.stderr
    return path


def test_a_restored_backup_holds_every_case_attachment_message_and_ledger_entry_unchanged(
    source, target, tmp_path, pothole, caseworker
):
    build_world(pothole, caseworker)
    here = rows_here()
    assert len(here["cases.attachment"]) == 6 and here["notify.message"]
    assert here["ledger.checkpoint"] and len(here["ledger.entry"]) >= 3

    path = backed_up(source, tmp_path)
    header = f"publica-backup 1 aes-256-gcm-stream key={key_id(base64.b64decode(KEY))} "
    assert path.read_bytes().startswith(header.encode())
    checked = publica("backup", "verify", path, data_dir=tmp_path, database=url())
    assert checked.returncode == 0 and checked.stdout.startswith("OK: "), checked.stderr

    folder, database = target
    restored = publica("restore", path, data_dir=folder, database=database)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    entries = len(here["ledger.entry"])
    assert f"OK: the ledger's {entries} entries verify against its checkpoint" in restored.stdout

    assert rows_there(folder, database) == here
    for row in here["cases.attachment"]:
        copy = (folder / "media" / row["fields"]["file"]).read_bytes()
        assert copy == (source / "media" / row["fields"]["file"]).read_bytes()
        assert hashlib.sha256(copy).hexdigest() == row["fields"]["sha256"]
    for name in ("secret_key", "ledger-signing-key.pem", "field-keys.json"):
        assert (folder / name).read_bytes() == (source / name).read_bytes()
        assert (folder / name).stat().st_mode & 0o777 == 0o600

    verified = publica("ledger", "verify", data_dir=folder, database=database)
    assert verified.returncode == 0, verified.stderr
    assert f"OK: {entries} entries verified" in verified.stdout


def test_a_backup_taken_while_cases_are_being_written_is_consistent(
    source, target, tmp_path, pothole, caseworker
):
    build_world(pothole, caseworker, cases=1)
    stop, written = threading.Event(), []

    def write() -> None:
        try:
            while not stop.is_set():
                case = submit_pothole(pothole)
                case_transition(case=case, to="inspecting", actor=caseworker)
                written.append(case.reference)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        path = backed_up(source, tmp_path)
    finally:
        stop.set()
        writer.join()
    assert len(written) > 3  # cases went on being written while the backup ran

    folder, database = target
    restored = publica("restore", path, data_dir=folder, database=database)
    assert restored.returncode == 0, restored.stdout + restored.stderr  # counts match manifest
    verified = publica("ledger", "verify", data_dir=folder, database=database)
    assert verified.returncode == 0, verified.stderr
    there = rows_there(folder, database)
    assert 1 + 3 <= len(there["cases.case"]) <= 1 + len(written)


def test_a_damaged_backup_fails_verify_and_restore_and_restores_nothing(
    source, target, tmp_path, pothole, caseworker
):
    build_world(pothole, caseworker, cases=1)
    path = backed_up(source, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    flipped = tmp_path / "flipped.backup"
    flipped.write_bytes(bytes(data))
    cut = tmp_path / "cut.backup"
    cut.write_bytes(bytes(path.read_bytes()[: len(data) // 2]))

    for damaged in (flipped, cut):
        checked = publica("backup", "verify", damaged, data_dir=tmp_path, database=url())
        assert checked.returncode == 1
        assert f"FAILED {damaged}: chunk" in checked.stderr

    folder, database = target
    restored = publica("restore", flipped, data_dir=folder, database=database)
    assert restored.returncode == 1
    assert "FAILED: nothing was restored: chunk" in restored.stderr
    assert "fails authentication" in restored.stderr
    assert not (folder / "media").exists() and not (folder / "ledger-signing-key.pem").exists()
    assert not (folder / "publica.sqlite3").exists()
    assert publica("restore", path, data_dir=folder, database=database).returncode == 0


def test_no_key_or_the_wrong_key_is_refused_saying_what_to_do(source, tmp_path, pothole):
    out = tmp_path / "backups"
    refused = publica("backup", "--output", out / "x.backup", data_dir=source, database=url(),
                      key=None)  # fmt: skip
    assert refused.returncode == 1
    assert "PUBLICA_BACKUP_KEY is not set: make one with `publica backup key`" in refused.stderr
    assert not out.exists() or not any(out.iterdir())

    path = backed_up(source, tmp_path)
    other = new_key()
    checked = publica("backup", "verify", path, data_dir=tmp_path, database=url(), key=other)
    assert checked.returncode == 1
    assert "set PUBLICA_BACKUP_KEY to the key the backup was made with" in checked.stderr


def test_restore_refuses_a_target_that_is_not_empty_unless_forced(
    source, target, tmp_path, pothole, caseworker
):
    build_world(pothole, caseworker, cases=1)
    path = backed_up(source, tmp_path)
    folder, database = target
    assert publica("restore", path, data_dir=folder, database=database).returncode == 0

    again = publica("restore", path, data_dir=folder, database=database)
    assert again.returncode == 1
    assert "the target is not empty (the database has" in again.stderr
    assert "holds files" in again.stderr and "--force" in again.stderr

    forced = publica("restore", path, "--force", data_dir=folder, database=database)
    assert forced.returncode == 0, forced.stderr
    assert "What was there before was kept at" in forced.stdout
    assert publica("ledger", "verify", data_dir=folder, database=database).returncode == 0


def test_a_backup_is_restored_only_onto_the_database_engine_it_came_from(source, tmp_path, pothole):
    path = backed_up(source, tmp_path)
    folder = tmp_path / "elsewhere"
    other = (
        f"sqlite:///{folder / 'publica.sqlite3'}"
        if POSTGRES
        else "postgres://postgres@127.0.0.1:5432/publica_backup_never_made"
    )
    refused = publica("restore", path, data_dir=folder, database=other)
    assert refused.returncode == 1
    if POSTGRES:
        assert "backup is of a PostgreSQL database and Publica is configured for SQLite" in (
            refused.stderr
        )
        assert "set DATABASE_URL to an empty PostgreSQL database" in refused.stderr
    else:
        assert "backup is of a SQLite database and Publica is configured for PostgreSQL" in (
            refused.stderr
        )
        assert "unset DATABASE_URL" in refused.stderr
