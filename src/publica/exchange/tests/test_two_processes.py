"""Two Publica instances on loopback: this test process (a town, on whatever database the
suite runs) asks the vehicle register of a second `publica serve` (the register's holder, on
its own SQLite file), set up the way a deployer would, through `publica exchange …`."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from publica.core.actors import SystemActor
from publica.exchange import keys
from publica.exchange.adapters import ExchangeError, Query
from publica.exchange.models import AccessRecord, Peer, RegisterSource
from publica.exchange.services.queries import register_query
from publica.exchange.tests.factories import PersonFactory, verify

PUBLICA = Path(sys.executable).with_name("publica")
LAW = "Road Traffic Regulation Act 1984, s. 45"
SEED = """
import datetime as dt
from publica.exchange.models import Person, Vehicle
Person.objects.create(person_id="TP800001", given_name="Sam", family_name="Testperson",
    date_of_birth=dt.date(1990, 1, 2), house="7", street="Mill Lane", town="Millbrook",
    postcode="MB1 4DD")
Vehicle.objects.create(registration="MB26 TWO", keeper_id="TP800001", make="Test Motor")
"""
ACCESSES = """
import json
from publica.exchange.models import AccessRecord
print(json.dumps(list(AccessRecord.objects.values(
    "organisation", "actor_kind", "actor_label", "subject_person_id", "register", "purpose",
    "basis", "basis_detail"))))
"""


class Holder:
    """The second instance: its environment, its CLI, and its web server once started."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "PUBLICA_DATA_DIR": str(data_dir),
            "PUBLICA_EXCHANGE_KEY_ID": "test-vehicle-agency",
            "PUBLICA_SERVE_WORKER": "false",
            "PUBLICA_ASSISTANT_WARM_UP": "false",
        }
        for inherited in ("DATABASE_URL", "PUBLICA_EXCHANGE_KEY"):  # its own SQLite, own key
            self.env.pop(inherited, None)
        self.server: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "serve.log"

    def run(self, *args: str) -> str:
        """Run `publica ARGS` there; its standard output, or the test fails with both streams."""
        done = subprocess.run(
            [str(PUBLICA), *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"publica {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def python(self, code: str) -> str:
        return self.run("shell", "-c", code)

    def serve(self) -> str:
        """Start `publica serve` on a free loopback port; its base URL once it answers."""
        port = _free_port()
        self.server = subprocess.Popen(
            [str(PUBLICA), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--threads", "2"],
            env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its gunicorn workers stop with it
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                pytest.fail(f"publica serve stopped ({self.server.returncode}):\n{self._said()}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return url
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"publica serve did not answer within 120 s:\n{self._said()}")

    def stop(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=30)

    def _said(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _key_of(printed: str) -> dict[str, str]:
    """`publica exchange key`'s output: {"key id": …, "public key": …}."""
    lines = (line.split(":", 1) for line in printed.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in lines}


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Holder]:
    holder = Holder(tmp_path / "holder")
    try:
        yield holder
    finally:
        holder.stop()


@pytest.fixture
def town(settings: Any) -> None:
    """This process is Test Town A, with a key of its own."""
    key = Ed25519PrivateKey.generate()
    settings.PUBLICA_EXCHANGE_KEY = base64.b64encode(key.private_bytes_raw()).decode()
    settings.PUBLICA_EXCHANGE_KEY_ID = "test-town-a"


@pytest.mark.django_db
def test_a_town_asks_another_instances_vehicle_register_and_both_record_the_access(
    holder: Holder, town: None, resident: Any
) -> None:
    holder.run("migrate")
    holder.run(
        "exchange", "client-add", "--id", "test-town-a", "--name", "Test Town A Council",
        "--public-key", keys.public_key_b64(),
    )  # fmt: skip
    holder.run("exchange", "client-grant", "--id", "test-town-a", "--register", "vehicles",
               "--purpose", "parking-permit")  # fmt: skip
    holder.python(SEED)
    their_key = _key_of(holder.run("exchange", "key"))
    url = holder.serve()

    peer = Peer.objects.create(
        slug="vehicle-agency", name="Test Vehicle Agency", base_url=f"{url}/exchange/",
        key_id=their_key["key id"], public_key=their_key["public key"], client_id="test-town-a",
    )  # fmt: skip
    RegisterSource.objects.create(register="vehicles", peer=peer)
    person: Any = PersonFactory(person_id="TP800001")
    verify(resident, person)
    query = Query(register="vehicles", lookup="keeper", value="TP800001",
                  purpose="parking-permit", basis="statutory", law=LAW,
                  on_behalf_of="Parking permits team")  # fmt: skip

    answer = register_query(query=query, actor=SystemActor("permits"), subject=resident)

    assert answer.verified_by == "test-vehicle-agency"
    assert [(r["registration"], r["make"]) for r in answer.records] == [("MB26 TWO", "Test Motor")]
    ours = AccessRecord.objects.get(subject=resident)
    assert (ours.register, ours.purpose, ours.basis_detail) == ("vehicles", "parking-permit", LAW)
    theirs = json.loads(holder.python(ACCESSES).strip().splitlines()[-1])
    assert theirs == [
        {"organisation": "Test Town A Council", "actor_kind": "agency",
         "actor_label": "Parking permits team", "subject_person_id": "TP800001",
         "register": "vehicles", "purpose": "parking-permit", "basis": "statutory",
         "basis_detail": LAW}
    ]  # fmt: skip

    holder.run("exchange", "client-revoke", "--id", "test-town-a")
    with pytest.raises(ExchangeError, match=r"HTTP 401: .* revoked"):
        register_query(query=query, actor=SystemActor("permits"), subject=resident)
