"""Faults under load: nothing accepted is lost, nothing is stored twice, and Publica recovers
without anyone stepping in.

    python bench/faults.py                  # every fault once, under 8 requests/s
    python bench/faults.py --rate 15 --seed 7

Runs as root (it mounts a small file system and restarts PostgreSQL): a fresh database
`publica_faults`, the demo town, and a live `publica serve` with MEDIA_ROOT on a 4 MB tmpfs.
The mixed load of bench/load.py runs throughout; its clients send every write again with
the same `Idempotency-Key` while there is no answer or a 5xx, as a careful client would.

At random moments, in a random order, it
- SIGKILLs a gunicorn web worker (gunicorn starts another);
- SIGKILLs the `publica worker` that `publica serve` runs (serve starts another);
- SIGKILLs the gunicorn master, i.e. `publica serve` itself: this script then acts as the
  supervisor systemd would be (Restart=always, KillMode=control-group): it kills what is
  left of the process group and starts `publica serve` again;
- restarts PostgreSQL (`pg_ctlcluster --skip-systemctl-redirect 15 main restart`);
- fills the upload disk, uploads (each must be refused with a 422 naming the lack of room,
  never a 500, and leave no file behind), frees the space, and uploads again (201).

After each fault it prints how long until the site served again. At the end: every accepted
submission and note stored exactly once, none refused stored, no answerless write, every
outbox message delivered (the worker back), and a table of faults. Exit 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from load import (
    Server,
    Site,
    check_records,
    drop,
    get_status,
    markers_in_database,
    open_pothole_cases,
    prepare,
    print_errors,
    print_ledger,
    run_load,
    summary,
)

PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]
FAULTS = ("kill-web-worker", "kill-background-worker", "kill-serve", "restart-postgresql",
          "fill-upload-disk")  # fmt: skip


@dataclass
class Fault:
    name: str
    at: float  # seconds into the run
    recovered_s: float | None = None
    note: str = ""

    @property
    def survived(self) -> bool:
        return self.recovered_s is not None and not self.note.startswith("FAILED")


class Supervisor:
    """Keeps `publica serve` running, as systemd would: when it exits, kill the rest of its
    process group (KillMode=control-group) and start it again (Restart=always)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.restarts = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        while not self.stopping.wait(0.5):
            process = self.server.process
            if process is None or process.poll() is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            self.restarts += 1
            self.server.start()


def children(pid: int) -> list[tuple[int, bytes]]:
    """The children of `pid` with their command lines."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                with contextlib.suppress(FileNotFoundError):
                    found.append((int(child), Path(f"/proc/{child}/cmdline").read_bytes()))
    except FileNotFoundError:
        pass
    return found


def background_worker(server: Server) -> int | None:
    assert server.process is not None
    for pid, command in children(server.process.pid):
        if b"publica.cli\0worker" in command:
            return pid
    return None


def web_workers(server: Server) -> list[int]:
    assert server.process is not None
    return [pid for pid, command in children(server.process.pid) if b"\0serve\0" in command]


def wait_until(condition: Any, timeout: float = 120) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if condition():
            return time.monotonic() - began
        time.sleep(0.1)
    return None


def serves(site: Site) -> bool:
    bearer = {"Authorization": f"Bearer {site.key}"}
    return get_status(site.port, "/api/v1/cases?limit=1", bearer) == 200


# Uploads, for the full disk


def png(size: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 4, 3, 8, 0, 0, 0, 0)
    text = b"Comment\0" + os.urandom(size).hex().encode()[:size]
    pixels = zlib.compress(3 * b"\x00\x80\x80\x80\x80")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", text)
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))  # fmt: skip


def upload(site: Site, reference: str) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n").encode()  # fmt: skip
    body += png(60_000) + f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        connection.request("POST", f"/api/v1/cases/{reference}/attachments", body=body, headers={
            "Authorization": f"Bearer {site.key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except OSError as exc:
        return 0, repr(exc)
    finally:
        connection.close()


def media_files(media: Path) -> set[Path]:
    return {p for p in media.rglob("*") if p.is_file() and p.name != "filler"}


# The faults


def inject(name: str, site: Site, server: Server, media: Path) -> tuple[float | None, str]:
    """Inject one fault; seconds until the site serves again, and what was seen."""
    if name == "kill-web-worker":
        victim = random.choice(web_workers(server))
        os.kill(victim, signal.SIGKILL)
        back = wait_until(lambda: victim not in web_workers(server) and len(web_workers(server))
                          >= (os.cpu_count() or 1) and serves(site))  # fmt: skip
        return back, f"web worker {victim} killed; gunicorn started another"
    if name == "kill-background-worker":
        victim = background_worker(server)
        if victim is None:
            return None, "FAILED: no background worker found"
        os.kill(victim, signal.SIGKILL)
        back = wait_until(lambda: background_worker(server) not in (None, victim))
        return back, f"background worker {victim} killed; now {background_worker(server)}"
    if name == "kill-serve":
        assert server.process is not None
        victim = server.process.pid
        os.kill(victim, signal.SIGKILL)
        back = wait_until(lambda: server.process is not None and server.process.pid != victim
                          and serves(site))  # fmt: skip
        return back, "gunicorn master killed; the supervisor started publica serve again"
    if name == "restart-postgresql":
        began = time.monotonic()
        subprocess.run(PG_RESTART, check=True, capture_output=True)
        up = time.monotonic() - began
        back = wait_until(lambda: serves(site))
        return (None if back is None else up + back), f"PostgreSQL down and up in {up:.1f} s"
    if name == "fill-upload-disk":
        return fill_disk(site, media)
    raise ValueError(name)


def fill_disk(site: Site, media: Path) -> tuple[float | None, str]:
    reference = site.references[0][0] if site.references else open_pothole_cases(site)[0][0]
    before = media_files(media)
    filler = media / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, bytes(65536)):
            pass
    except OSError:  # the disk is full
        pass
    finally:
        os.close(descriptor)
    refusals = [upload(site, reference) for _ in range(5)]
    began = time.monotonic()
    filler.unlink()
    status, answer = upload(site, reference)
    back = time.monotonic() - began if status == 201 else None
    clear = all(s == 422 and "no room to store files" in text for s, text in refusals)
    left = media_files(media) - before
    seen = f"5 uploads on the full disk: {sorted({s for s, _ in refusals})}"
    if not clear:
        return None, f"FAILED: {seen}, not 422 with words: {refusals[0][1][:200]}"
    if len(left) != 1:  # exactly the file accepted after space was freed
        return None, f"FAILED: {len(left)} new files on disk, expected 1"
    if back is None:
        return None, f"FAILED: after freeing space the upload got {status}: {answer[:200]}"
    return back, f"{seen} (refused in words, nothing left behind); accepted once freed"


def outbox_open(site: Site) -> int:
    import psycopg

    with psycopg.connect(site.database_url) as db:
        row = db.execute("SELECT count(*) FROM notify_message WHERE status IN "
                         "('queued', 'temporary-failure')").fetchone()  # fmt: skip
    return int(row[0]) if row else 0


def mount_media(site: Site, megabytes: int) -> Path:
    media = site.data_dir / "media"
    media.mkdir(exist_ok=True)
    if any(media.iterdir()):
        sys.exit(f"{media} is not empty; mount it yourself")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(media)],
                   check=True)  # fmt: skip
    return media


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=8, help="requests/s throughout")
    parser.add_argument("--gap", type=float, nargs=2, default=(10, 20), help="seconds between")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--demo-cases", type=int, default=50)
    parser.add_argument("--disk-mb", type=int, default=4)
    parser.add_argument("--database", default="publica_faults")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/load-faults"))
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress, live
    if os.geteuid() != 0:
        sys.exit("run as root: it mounts a small disk for uploads and restarts PostgreSQL")
    seed = args.seed if args.seed is not None else random.randrange(10_000)
    random.seed(seed)
    order = random.sample(FAULTS, len(FAULTS))
    gaps = [random.uniform(*args.gap) for _ in order]

    extra = {"PUBLICA_DELIVERY_LEASE": "10", "PUBLICA_DELIVERY_BASE_DELAY": "2"}
    site = prepare(args.database, args.data_dir, demo_cases=args.demo_cases, extra_env=extra)
    site.references = open_pothole_cases(site)
    media = mount_media(site, args.disk_mb)
    server = Server(site, None, None)
    server.start()
    supervisor = Supervisor(server)
    failed = False
    try:
        server.wait_ready()
        server.warm_up(3)
        supervisor.thread.start()
        seconds = 15 + sum(gaps) + 25 * len(order)  # the faults with time to recover
        print(f"Seed {seed}; {args.rate}/s of mixed load; faults in this order: {', '.join(order)}")
        run_id = uuid.uuid4().hex[:8]
        results: dict[str, Any] = {}
        load = threading.Thread(target=lambda: results.update(run_load(
            site, args.rate, seconds, args.clients, run_id, retry_seconds=180, retry_5xx=True
        )))  # fmt: skip
        began = time.monotonic()
        load.start()
        faults = []
        time.sleep(15)
        for name, gap in zip(order, gaps, strict=True):
            fault = Fault(name, time.monotonic() - began)
            fault.recovered_s, fault.note = inject(name, site, server, media)
            faults.append(fault)
            shown = "NOT RECOVERED" if fault.recovered_s is None else f"{fault.recovered_s:.1f} s"
            print(f"  {fault.at:6.0f} s  {name:24} serving again after {shown}: {fault.note}")
            time.sleep(gap)
        load.join()
        drained = wait_until(lambda: outbox_open(site) == 0, 180)
        figures = summary(results)
        stored = markers_in_database(site, run_id)
        cases = check_records(stored["case"], results["submissions"])
        notes = check_records(stored["note"], results["notes"])
        print(f"Load: {figures['done']} requests in {results['seconds']:.0f} s, "
              f"{results['retries']} writes sent again with the same key, "
              f"{len(figures['errors'])} requests failed while a fault lasted:")  # fmt: skip
        print_errors(figures["errors"], limit=6)
        print("Records:")
        print_ledger("submissions", cases)
        print_ledger("notes", notes)
        open_left = outbox_open(site)
        outbox = "all delivered" if drained is not None else f"{open_left} undelivered"
        print(f"Outbox: {outbox} ({supervisor.restarts} restart(s) of publica serve by the "
              "supervisor)")  # fmt: skip
        lost = len(cases.lost) + len(notes.lost)
        duplicated = len(cases.duplicated) + len(notes.duplicated)
        print(f"\n  {'fault':24} {'injected':>8} {'survived':>8} {'recovery':>9}")
        for fault in faults:
            shown = "-" if fault.recovered_s is None else f"{fault.recovered_s:.1f} s"
            print(f"  {fault.name:24} {'yes':>8} {'yes' if fault.survived else 'NO':>8} "
                  f"{shown:>9}")  # fmt: skip
        print(f"  faults survived {sum(f.survived for f in faults)}/{len(faults)}; "
              f"writes accepted {cases.accepted + notes.accepted}; records lost {lost}; "
              f"duplicates {duplicated}; writes without an answer "
              f"{cases.unknown + notes.unknown}")  # fmt: skip
        failed = (not all(f.survived for f in faults) or not cases.ok or not notes.ok
                  or cases.unknown + notes.unknown > 0 or drained is None)  # fmt: skip
    finally:
        supervisor.stopping.set()
        server.stop()
        subprocess.run(["umount", str(media)], check=False)
        if subprocess.run(["pg_isready", "-h", "127.0.0.1"], capture_output=True).returncode:
            subprocess.run(PG_RESTART, check=False)
        drop(site)
    print("FAILED" if failed else "OK")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
