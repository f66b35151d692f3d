"""Backups of a whole instance: a consistent snapshot of the database, every upload and the
keys, with a manifest, in one encrypted file (`backup_stream`); and reading one back.

Inside the encryption the file is a tar stream: `preamble.json` first (what made it, which
database engine), then `database/…`, `keys/…`, `media/…`, and `manifest.json` last, holding
every file's size and SHA-256 (hashed as it was written, so a multi-GB upload is read once),
the row counts of the main tables and the ledger's latest checkpoint, all taken from the
database snapshot itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings

import publica
from publica.core.backup_stream import (
    BackupError,
    DamagedBackup,
    DecryptingReader,
    EncryptingWriter,
    NotABackup,
)

__all__ = [
    "Manifest",
    "backup_create",
    "backup_preamble",
    "backup_read",
    "backup_verify",
    "database_engine",
]

FORMAT_VERSION = 1
#: Tables whose row counts the manifest records and a restore checks.
MAIN_TABLES = (
    "accounts_user",
    "catalogue_serviceversion",
    "cases_case",
    "cases_caseevent",
    "cases_attachment",
    "notify_message",
    "ledger_entry",
    "ledger_checkpoint",
    "ledger_tile",
)
#: Settings that, when set, hold a key instead of a file in the data folder.
KEY_SETTINGS = (
    "PUBLICA_SECRET_KEY",
    "PUBLICA_LEDGER_KEY",
    "PUBLICA_EXCHANGE_KEY",
    "PUBLICA_FIELD_KEYS",
    "PUBLICA_SEARCH_KEY",
)
#: Key files kept in the data folder besides the `*.pem` signing keys (core.fieldkeys').
KEY_FILES = ("secret_key", "field-keys.json")
_COPY = 1024 * 1024
_MEMBER = re.compile(
    r"database/publica\.(sqlite3|pgdump)|media/[^\x00]+"
    r"|keys/(secret_key|field-keys\.json|[A-Za-z0-9_-][A-Za-z0-9._-]*\.pem)"
)


@dataclass
class Manifest:
    """What a backup holds, as its manifest.json says."""

    engine: str
    created_at: str
    publica_version: str
    files: dict[str, tuple[int, str]]  # archive path -> (size, sha256)
    counts: dict[str, int]
    ledger: dict[str, Any] | None  # {"size": n, "root_hash": hex} of the latest checkpoint
    keys_in_settings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def database(self) -> str:
        return next(path for path in self.files if path.startswith("database/"))

    def as_json(self) -> bytes:
        return json.dumps(
            {
                "format": "publica-backup",
                "format_version": FORMAT_VERSION,
                "publica_version": self.publica_version,
                "created_at": self.created_at,
                "engine": self.engine,
                "files": [
                    {"path": path, "size": size, "sha256": digest}
                    for path, (size, digest) in self.files.items()
                ],
                "row_counts": self.counts,
                "ledger_checkpoint": self.ledger,
                "keys_in_settings": self.keys_in_settings,
                "skipped": self.skipped,
            },
            indent=1,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            return cls(
                engine=data["engine"],
                created_at=data["created_at"],
                publica_version=data["publica_version"],
                files={f["path"]: (int(f["size"]), f["sha256"]) for f in data["files"]},
                counts={name: int(n) for name, n in data["row_counts"].items()},
                ledger=data["ledger_checkpoint"],
                keys_in_settings=list(data.get("keys_in_settings", [])),
                skipped=list(data.get("skipped", [])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DamagedBackup(f"the manifest cannot be read: {exc!r}") from None


def database_engine() -> str:
    """`sqlite` or `postgresql`: the configured database's engine."""
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else "sqlite"


# --- making a backup -------------------------------------------------------------------------


@dataclass
class _Snapshot:
    path: Path
    counts: dict[str, int]
    ledger: dict[str, Any] | None


def backup_create(*, key: bytes, output: Path | None = None) -> tuple[Path, Manifest]:
    """Write a backup to `output` (default DATA_DIR/backups/publica-<UTC time>.backup) under a
    temporary name, renamed only once complete. Returns its path and manifest."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data_dir = Path(settings.DATA_DIR)
    output = output or data_dir / "backups" / f"publica-{now:%Y%m%dT%H%M%SZ}.backup"
    output.parent.mkdir(parents=True, exist_ok=True)
    engine = database_engine()
    with tempfile.TemporaryDirectory(prefix=".publica-backup-", dir=output.parent) as work:
        snapshot = (
            _snapshot_postgresql(Path(work))
            if engine == "postgresql"
            else _snapshot_sqlite(Path(work))
        )
        manifest = Manifest(
            engine=engine,
            created_at=now.isoformat(),
            publica_version=publica.__version__,
            files={},
            counts=snapshot.counts,
            ledger=snapshot.ledger,
            keys_in_settings=[name for name in KEY_SETTINGS if getattr(settings, name, "")],
        )
        partial = Path(work) / "partial"
        with open(partial, "wb") as out:
            writer = EncryptingWriter(out, key)
            with tarfile.open(
                fileobj=writer,  # type: ignore[call-overload]
                mode="w|",
                format=tarfile.PAX_FORMAT,
                bufsize=_COPY,
                copybufsize=_COPY,
            ) as tar:
                preamble = {k: v for k, v in json.loads(manifest.as_json()).items() if k != "files"}
                _add_bytes(tar, "preamble.json", json.dumps(preamble).encode())
                name = "publica.pgdump" if engine == "postgresql" else "publica.sqlite3"
                _add_file(tar, f"database/{name}", snapshot.path, manifest)
                for path in _key_files(data_dir):
                    _add_file(tar, f"keys/{path.name}", path, manifest)
                for path, relative in _media_files(Path(settings.MEDIA_ROOT)):
                    _add_file(tar, f"media/{relative}", path, manifest)
                _add_bytes(tar, "manifest.json", manifest.as_json())
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)  # a backup under its name is always a complete one
    return output, manifest


def _snapshot_sqlite(work: Path) -> _Snapshot:
    live = Path(settings.DATABASES["default"]["NAME"])
    if not live.is_file():
        raise BackupError(f"there is no database at {live}: nothing to back up")
    copy = work / "publica.sqlite3"
    source = sqlite3.connect(live, timeout=60)
    target = sqlite3.connect(copy)
    try:
        # One step copies every page inside one read transaction: a consistent snapshot even
        # while the server writes (WAL readers do not block the writer).
        source.backup(target)
    finally:
        source.close()
    try:
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = target.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the database copy fails SQLite's check: {check}")
        existing = {row[0] for row in target.execute("SELECT name FROM sqlite_master")}
        counts = {
            table: target.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in MAIN_TABLES
            if table in existing
        }
        row = (
            target.execute(
                "SELECT size, root_hash FROM ledger_checkpoint ORDER BY size DESC LIMIT 1"
            ).fetchone()
            if "ledger_checkpoint" in existing
            else None
        )
    finally:
        target.close()
    return _Snapshot(copy, counts, _checkpoint(row))


def _checkpoint(row: tuple[int, bytes] | None) -> dict[str, Any] | None:
    return {"size": int(row[0]), "root_hash": bytes(row[1]).hex()} if row else None


def postgresql_env() -> dict[str, str]:
    """The environment pg_dump and pg_restore need for the configured database (the password
    travels here, never on a command line others can read)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
        ("PGSSLMODE", db.get("OPTIONS", {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def postgresql_connect() -> Any:
    """A psycopg connection of its own (autocommit), apart from Django's."""
    import psycopg

    env = postgresql_env()
    return psycopg.connect(
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        dbname=env.get("PGDATABASE"),
        sslmode=env.get("PGSSLMODE"),
        autocommit=True,
    )


def _snapshot_postgresql(work: Path) -> _Snapshot:
    from psycopg import sql

    dump = work / "publica.pgdump"
    with postgresql_connect() as conn:
        # One exported snapshot for pg_dump and for the counts: they describe the same moment.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        existing = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        counts = {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in MAIN_TABLES
            if table in existing
        }
        row = (
            conn.execute(
                "SELECT size, root_hash FROM ledger_checkpoint ORDER BY size DESC LIMIT 1"
            ).fetchone()
            if "ledger_checkpoint" in existing
            else None
        )
        done = subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={dump}",
            ],
            env=postgresql_env(),
            capture_output=True,
            text=True,
        )
        conn.execute("ROLLBACK")
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return _Snapshot(dump, counts, _checkpoint(row))


def _key_files(data_dir: Path) -> list[Path]:
    """Django's secret key, the field-encryption keys and every signing key (`*.pem`) kept in
    the data folder."""
    found = [*(data_dir / name for name in KEY_FILES), *sorted(data_dir.glob("*.pem"))]
    return [path for path in found if path.is_file()]


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for name in sorted(files):
            path = Path(folder) / name
            yield path, path.relative_to(root).as_posix()


class _Hashing:
    def __init__(self, file: IO[bytes]) -> None:
        self.file, self.sha256 = file, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.sha256.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path, manifest: Manifest) -> None:
    try:
        file = open(path, "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:  # removed since it was listed (a draft's upload cleaned up)
        manifest.skipped.append(name)
        return
    with file:
        info = tarfile.TarInfo(name)
        stat = os.fstat(file.fileno())
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        hashing = _Hashing(file)
        tar.addfile(info, hashing)  # type: ignore[arg-type]
    manifest.files[name] = (info.size, hashing.sha256.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


# --- reading one back ------------------------------------------------------------------------

#: Where a member read from a backup goes: a writable file, or None to read and drop it.
Sink = Callable[[str], BinaryIO | None]


def backup_read(
    path: Path,
    key: bytes,
    *,
    sink: Sink | None = None,
) -> Manifest:
    """Decrypt and read the whole backup, checking every file against the manifest; hand each
    file to `sink`. DamagedBackup (naming every problem), NotABackup or WrongKey otherwise."""
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise BackupError(f"cannot open {path}: {exc.strerror}") from None
    with source:
        reader = DecryptingReader(source, key)
        seen: dict[str, tuple[int, str]] = {}
        manifest: Manifest | None = None
        preamble: dict[str, Any] | None = None
        try:
            with tarfile.open(fileobj=reader, mode="r|", bufsize=_COPY) as tar:  # type: ignore[call-overload]
                for member in tar:
                    if manifest is not None:
                        raise DamagedBackup(f"{member.name} comes after the manifest")
                    content = tar.extractfile(member) if member.isfile() else None
                    if content is None:
                        raise DamagedBackup(f"{member.name!r} is not a regular file")
                    if member.name in seen or (member.name == "preamble.json" and preamble):
                        raise DamagedBackup(f"{member.name} is in the backup twice")
                    if member.name == "preamble.json":
                        preamble = _json(content.read(), "preamble.json")
                    elif preamble is None:
                        raise NotABackup("the backup does not start with its preamble")
                    elif member.name == "manifest.json":
                        manifest = Manifest.from_json(content.read())
                    else:
                        _require_safe(member.name)
                        seen[member.name] = _copy(content, sink(member.name) if sink else None)
            reader.read_to_end()
        except tarfile.TarError as exc:
            raise DamagedBackup(f"the archive inside the backup is damaged: {exc}") from None
        if not reader.complete:
            raise DamagedBackup("the backup ends early: it is truncated")
    if manifest is None:
        raise DamagedBackup("the backup has no manifest: it is incomplete")
    _compare(manifest, seen)
    return manifest


def backup_preamble(path: Path, key: bytes) -> dict[str, Any]:
    """What the backup says of itself (engine, when, which Publica), from its first chunk."""
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise BackupError(f"cannot open {path}: {exc.strerror}") from None
    with source:
        reader = DecryptingReader(source, key)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                member = tar.next()
                first = member is not None and member.name == "preamble.json"
                content = tar.extractfile(member) if first else None  # type: ignore[arg-type]
                raw = content.read() if content is not None else None
        except tarfile.TarError as exc:
            raise DamagedBackup(f"the archive inside the backup is damaged: {exc}") from None
        if raw is None:
            raise NotABackup("the backup does not start with its preamble")
        return _json(raw, "preamble.json")


def backup_verify(path: Path, key: bytes) -> Manifest:
    """Read and check the whole backup without restoring anything."""
    return backup_read(path, key)


def _json(raw: bytes, name: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        raise DamagedBackup(f"{name} is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != "publica-backup":
        raise NotABackup(f"{name} does not describe a Publica backup")
    if data.get("format_version") != FORMAT_VERSION:
        raise NotABackup(
            f"backup format {data.get('format_version')} is not one this Publica reads"
        )
    return data


def _require_safe(name: str) -> None:
    parts = name.split("/")
    if not _MEMBER.fullmatch(name) or any(part in ("", ".", "..") for part in parts):
        raise DamagedBackup(f"unexpected file {name!r} in the backup")


def _copy(content: IO[bytes], target: BinaryIO | None) -> tuple[int, str]:
    sha256, size = hashlib.sha256(), 0
    while piece := content.read(_COPY):
        sha256.update(piece)
        size += len(piece)
        if target is not None:
            target.write(piece)
    if target is not None:
        target.close()
    return size, sha256.hexdigest()


def _compare(manifest: Manifest, seen: dict[str, tuple[int, str]]) -> None:
    problems = []
    for name, (size, digest) in manifest.files.items():
        if name not in seen:
            problems.append(f"{name} is in the manifest but not in the backup")
        elif seen[name][0] != size:
            problems.append(f"{name} has {seen[name][0]} bytes, the manifest says {size}")
        elif seen[name][1] != digest:
            problems.append(f"{name} does not match its SHA-256 in the manifest")
    problems += [
        f"{name} is in the backup but not in the manifest"
        for name in seen.keys() - manifest.files.keys()
    ]
    if sum(name.startswith("database/") for name in manifest.files) != 1:
        problems.append("the manifest does not name exactly one database file")
    if problems:
        raise DamagedBackup("; ".join(problems))
