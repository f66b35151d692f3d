"""Putting a backup back: into an empty data folder and database (or, forced, over existing
ones), then checking the row counts and the ledger against the backup's manifest."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import connection

from publica.core.backup import (
    MAIN_TABLES,
    Manifest,
    backup_preamble,
    backup_read,
    database_engine,
    postgresql_connect,
    postgresql_env,
)
from publica.core.backup_stream import BackupError

__all__ = ["RestoreSummary", "backup_restore"]

_WHAT_TO_DO = {
    "postgresql": (
        "this backup is of a PostgreSQL database and Publica is configured for SQLite: set "
        "DATABASE_URL to an empty PostgreSQL database (postgres://user@host:5432/name) and "
        "run the restore again"
    ),
    "sqlite": (
        "this backup is of a SQLite database and Publica is configured for PostgreSQL: unset "
        "DATABASE_URL (or set it to sqlite:///<data folder>/publica.sqlite3) and run the "
        "restore again"
    ),
}


@dataclass
class RestoreSummary:
    manifest: Manifest
    files: int = 0
    media_bytes: int = 0
    keys: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    ledger_size: int | None = None
    set_aside: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def backup_restore(*, path: Path, key: bytes, force: bool = False) -> RestoreSummary:
    """Restore the backup at `path` into the configured data folder and database. Nothing is
    touched until the whole backup has been read and checked. Refuses a target that already
    holds tables or uploads unless `force` (then the old SQLite file and uploads are set
    aside, renamed, and a PostgreSQL schema is emptied)."""
    engine = database_engine()
    data_dir = Path(settings.DATA_DIR)
    media = Path(settings.MEDIA_ROOT)
    made_by = backup_preamble(path, key).get("engine")  # wrong key or file: fail before all
    if made_by != engine:
        raise BackupError(_WHAT_TO_DO.get(str(made_by), f"unknown database engine {made_by!r}"))
    occupied = _occupied(engine, media)
    if occupied and not force:
        raise BackupError(
            f"the target is not empty ({'; '.join(occupied)}): restore into an empty data "
            "folder and database, or pass --force to replace what is there"
        )

    with tempfile.TemporaryDirectory(prefix=".publica-restore-", dir=data_dir) as work:
        staging = Path(work)

        def sink(name: str) -> BinaryIO:
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _mode(name))
            return os.fdopen(descriptor, "wb")

        manifest = backup_read(path, key, sink=sink)
        summary = RestoreSummary(manifest)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        connection.close()
        if engine == "postgresql":
            _restore_postgresql(staging / manifest.database, clear=bool(occupied))
        else:
            summary.set_aside += _restore_sqlite(
                staging / manifest.database, stamp, keep_old=bool(occupied)
            )
        if (staging / "media").exists():
            if media.exists():
                aside = media.with_name(f"{media.name}.replaced-{stamp}")
                media.rename(aside)
                summary.set_aside.append(aside)
            media.parent.mkdir(parents=True, exist_ok=True)
            (staging / "media").rename(media)
        for staged in sorted((staging / "keys").glob("*")):
            os.replace(staged, data_dir / staged.name)
            summary.keys.append(staged.name)
    summary.files = sum(1 for name in manifest.files if name.startswith("media/"))
    summary.media_bytes = sum(
        size for name, (size, _) in manifest.files.items() if name.startswith("media/")
    )
    _check(summary)
    return summary


def _mode(name: str) -> int:
    return 0o644 if name.startswith("media/") else 0o600


def _occupied(engine: str, media: Path) -> list[str]:
    found = []
    live = Path(settings.DATABASES["default"]["NAME"])
    # Looking into a SQLite file that is not there would make one: do not.
    if engine == "postgresql" or (live.is_file() and live.stat().st_size > 0):
        tables = connection.introspection.table_names()
        if tables:
            found.append(f"the database has {len(tables)} tables")
        connection.close()
    if media.is_dir() and any(path.is_file() for path in media.rglob("*")):
        found.append(f"{media} holds files")
    return found


def _restore_sqlite(staged: Path, stamp: str, *, keep_old: bool) -> list[Path]:
    live = Path(settings.DATABASES["default"]["NAME"])
    live.parent.mkdir(parents=True, exist_ok=True)
    aside = []
    # The old file's write-ahead log and index go too: left beside the new file they would be
    # read as part of it. A file without tables (the one looking for tables made) just goes.
    for suffix in ("", "-wal", "-shm"):
        old = live.with_name(live.name + suffix)
        if not old.exists():
            continue
        if keep_old:
            moved = old.with_name(f"{live.name}.replaced-{stamp}{suffix}")
            old.rename(moved)
            aside += [moved] if suffix == "" else []
        else:
            old.unlink()
    os.replace(staged, live)
    return aside


def _restore_postgresql(dump: Path, *, clear: bool) -> None:
    if clear:
        with postgresql_connect() as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    env = postgresql_env()
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", "--no-password", f"--dbname={env['PGDATABASE']}", str(dump)],
        env=env,
        capture_output=True,
        text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _check(summary: RestoreSummary) -> None:
    """Compare the restored database with the manifest; verify the ledger."""
    from publica.ledger import keys, verify
    from publica.ledger.selectors import checkpoint_latest

    manifest = summary.manifest
    with connection.cursor() as cursor:
        for table in MAIN_TABLES:
            if table in manifest.counts:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                summary.counts[table] = cursor.fetchone()[0]
    for table, expected in manifest.counts.items():
        if summary.counts.get(table) != expected:
            summary.problems.append(
                f"{table} has {summary.counts.get(table)} rows, the backup had {expected}"
            )
    if manifest.ledger is None:
        return
    latest = checkpoint_latest()
    if latest is None or (latest.size, bytes(latest.root_hash).hex()) != (
        manifest.ledger["size"],
        manifest.ledger["root_hash"],
    ):
        summary.problems.append("the ledger's latest checkpoint is not the one backed up")
        return
    with contextlib.suppress(Exception):
        keys._load.cache_clear()  # the key file may have just been put back
    report = verify.verify(verify.DatabaseSource(), keys.verifier())
    summary.problems += [f"ledger: {finding}" for finding in report.findings]
    if report.ok:
        summary.ledger_size = report.size
