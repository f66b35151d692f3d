"""A real `publica serve` with two web workers: /metrics sums the requests every worker
answered, its log is JSON without personal data, and /readyz fails while the database is
out of reach."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

PUBLICA = Path(sys.executable).with_name("publica")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read().decode()


class Server:
    def __init__(self, data_dir: Path, workers: int, **env: str) -> None:
        self.data_dir = data_dir
        self.log = data_dir / "serve.log"
        self.env = {
            **os.environ,
            "PUBLICA_DATA_DIR": str(data_dir),
            "PUBLICA_SERVE_WORKERS": str(workers),
            "PUBLICA_SERVE_WORKER": "false",
            "PUBLICA_ASSISTANT_WARM_UP": "false",
            "PUBLICA_LOG_FORMAT": "json",
            **env,
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def migrate(self) -> None:
        subprocess.run([PUBLICA, "migrate"], env=self.env, check=True, capture_output=True)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [PUBLICA, "serve", "--port", str(self.port)],
            env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 180  # a loaded test machine boots slowly
        while True:
            try:
                if fetch(f"{self.base}/healthz")[0] == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, self.log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory):  # type: ignore[no-untyped-def]
    server = Server(tmp_path_factory.mktemp("served"), workers=2)
    server.env.pop("DATABASE_URL", None)
    server.migrate()
    server.start()
    yield server
    server.stop()


def requests_answered(text: str, route: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "publica_http_requests_total" and sample.labels == {
                "method": "GET",
                "route": route,
                "status": "2xx",
            }:
                return sample.value
    return 0.0


def test_metrics_sum_the_requests_of_every_web_worker(served):
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: fetch(f"{served.base}/readyz")[0], range(60)))
    assert statuses == [200] * 60
    # Each web worker counts in its own file; whichever worker answers a scrape adds them up.
    counted_by = list((served.data_dir / "metrics").glob("counter_*.db"))
    assert len(counted_by) >= 2, counted_by
    for _ in range(6):
        status, headers, text = fetch(f"{served.base}/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert requests_answered(text, "ready") == 60
    assert "publica_database_up 1.0" in text


def test_the_served_log_is_json_lines_without_personal_data(served):
    query = "email=jane.doe%40example.org&phone=07700900123"
    status, headers, _ = fetch(f"{served.base}/help?{query}")
    refused = fetch(
        f"{served.base}/?{query}", data=b"email=jane.doe%40example.org&password=hunter2"
    )
    assert refused[0] == 403
    deadline = time.monotonic() + 10
    while headers["X-Request-ID"] not in served.log.read_text(errors="replace"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    text = served.log.read_text(errors="replace")
    for fragment in ("jane", "example.org", "07700", "hunter2"):
        assert fragment not in text
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    others = [line for line in text.splitlines() if not line.startswith("{")]
    assert all(line.startswith("Publica is serving on") for line in others), others
    (access,) = [r for r in records if r.get("request_id") == headers["X-Request-ID"]]
    assert access["logger"] == "publica.access"
    assert (access["method"], access["status"]) == ("GET", status)
    assert any(r["logger"] == "gunicorn.error" for r in records)  # gunicorn's lines too


def test_readyz_fails_while_the_database_is_out_of_reach(tmp_path):
    closed = free_port()  # nothing listens there
    server = Server(
        tmp_path, workers=1, DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed}/publica_obs"
    )
    server.start()  # /healthz answers without the database
    try:
        status, _, body = fetch(f"{server.base}/readyz")
    finally:
        server.stop()
    assert status == 503
    assert json.loads(body) == {
        "status": "failing",
        "checks": {"database": "unreachable", "migrations": "unknown", "data_folder": "ok"},
    }
