"""`publica serve` runs a real server that answers over HTTP, on its own SQLite file."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PUBLICA = Path(sys.executable).with_name("publica")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "PUBLICA_DATA_DIR": str(tmp_path), "PUBLICA_SERVE_WORKERS": "1"}
    env.pop("DATABASE_URL", None)
    subprocess.run([PUBLICA, "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [PUBLICA, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_the_default_database_is_a_sqlite_file_in_wal_mode(served, tmp_path):
    database = sqlite3.connect(tmp_path / "publica.sqlite3")
    assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    database.close()


def test_serve_answers_health_checks_and_serves_the_admin_with_static_files(served):
    assert get(f"{served}/healthz") == (200, '{"status": "ok"}')
    status, page = get(f"{served}/admin/login/")
    assert status == 200 and "Django administration" in page
    stylesheet = page.split('href="')[1].split('"')[0]
    assert stylesheet.startswith("/static/") and get(f"{served}{stylesheet}")[0] == 200


@pytest.mark.django_db
def test_home_lists_the_loaded_services_by_group(client, pothole):
    page = client.get("/").content.decode()
    assert "Roads and transport" in page
    assert "Report a pothole" in page


def test_each_web_worker_builds_the_help_index_as_it_starts(served, tmp_path):
    log = tmp_path / "serve.log"
    deadline = time.monotonic() + 90  # loading the embedding model takes seconds
    while "assistant: index of" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
        time.sleep(0.2)
