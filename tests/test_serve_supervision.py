"""`publica serve` starts its background worker again when the worker dies."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.test_serve import PUBLICA, free_port, get

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")


def background_workers(pid: int) -> list[int]:
    """The children of `pid` that run `publica.cli worker`."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += (task / "children").read_text().split()
    found = []
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue  # gone meanwhile
        if b"publica.cli" in command and b"worker" in command:
            found.append(int(child))
    return found


def gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting for whoever adopted it to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:  # not listening yet
        return False


def wait_for(condition, seconds: float = 30):  # type: ignore[no-untyped-def]
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if found := condition():
            return found
        time.sleep(0.2)
    return condition()


def test_a_killed_background_worker_is_started_again_and_stops_with_serve(tmp_path):
    env = {**os.environ, "PUBLICA_DATA_DIR": str(tmp_path), "PUBLICA_SERVE_WORKERS": "1",
           "PUBLICA_ASSISTANT_WARM_UP": "false"}  # fmt: skip
    env.pop("DATABASE_URL", None)  # a process matter, not a database one: SQLite
    subprocess.run([PUBLICA, "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [PUBLICA, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            first = wait_for(lambda: background_workers(server.pid))
            assert len(first) == 1

            os.kill(first[0], signal.SIGKILL)

            again = wait_for(lambda: [p for p in background_workers(server.pid) if p != first[0]])
            assert len(again) == 1
            assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"))
        finally:
            server.terminate()
            server.wait(timeout=40)
    assert wait_for(lambda: gone(again[0]), 10)
    assert "starting it again" in (tmp_path / "serve.log").read_text()
