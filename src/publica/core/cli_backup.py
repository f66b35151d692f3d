"""`publica backup [--output PATH]`, `publica backup verify PATH`, `publica backup key` and
`publica restore PATH [--force]` (see docs/recovery.md)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["backup", "restore"]


def _key() -> bytes:
    from django.conf import settings

    from publica.core.backup_stream import BackupError, parse_key

    try:
        return parse_key(settings.PUBLICA_BACKUP_KEY)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


def _failures() -> tuple[type[BaseException], ...]:
    """What a backup or restore reports as a failure, not a traceback: its own errors, files
    that cannot be read or written, a database that cannot be reached."""
    import psycopg
    from django.db import Error

    from publica.core.backup_stream import BackupError

    return (BackupError, OSError, Error, psycopg.Error)


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return str(count)


@click.group(invoke_without_command=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it [PUBLICA_DATA_DIR/backups/publica-<UTC time>.backup].",
)
@click.pass_context
def backup(ctx: click.Context, output: Path | None) -> None:
    """Back up the database, uploads and keys into one encrypted file (PUBLICA_BACKUP_KEY)."""
    if ctx.invoked_subcommand is not None:
        return
    import time

    from publica.core.backup import backup_create

    key = _key()
    began = time.perf_counter()
    try:
        path, manifest = backup_create(key=key, output=output)
    except _failures() as exc:
        raise click.ClickException(str(exc)) from None
    media = [name for name in manifest.files if name.startswith("media/")]
    keys = [name.removeprefix("keys/") for name in manifest.files if name.startswith("keys/")]
    ledger = manifest.ledger["size"] if manifest.ledger else 0
    click.echo(
        f"Backed up the {manifest.engine} database ({manifest.counts.get('cases_case', 0)} "
        f"cases, ledger at {ledger} entries), {len(media)} uploads and the keys "
        f"({', '.join(keys) or 'none in files'}) in {time.perf_counter() - began:.1f} s"
    )
    for name in manifest.keys_in_settings:
        click.echo(f"Not in the backup: {name} is set; keep its value safe yourself.")
    for name in manifest.skipped:
        click.echo(f"Skipped {name}: it was removed while the backup ran.")
    click.echo(f"{path} ({_size(path.stat().st_size)})")


@backup.command("verify")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_verify(path: Path) -> None:
    """Decrypt the backup at PATH and check every file and the manifest; restore nothing."""
    from publica.core.backup import backup_verify as verify

    key = _key()
    try:
        manifest = verify(path, key)
    except _failures() as exc:
        click.echo(f"FAILED {path}: {exc}", err=True)
        raise SystemExit(1) from None
    ledger = manifest.ledger["size"] if manifest.ledger else 0
    click.echo(
        f"OK: {len(manifest.files)} files match the manifest; a {manifest.engine} backup "
        f"made {manifest.created_at} by Publica {manifest.publica_version}, ledger at {ledger}"
    )


@backup.command("key")
def backup_key() -> None:
    """Print a new random backup key, to set as PUBLICA_BACKUP_KEY and keep apart from it."""
    from publica.core.backup_stream import key_id, new_key, parse_key

    key = new_key()
    click.echo(f"# key id {key_id(parse_key(key))}: keep a copy away from the backups", err=True)
    click.echo(key)


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing database and uploads.")
def restore(path: Path, force: bool) -> None:
    """Restore a backup into the configured data folder and database, then check it."""
    from publica.core.restore import backup_restore

    key = _key()
    try:
        summary = backup_restore(path=path, key=key, force=force)
    except _failures() as exc:
        click.echo(f"FAILED: nothing was restored: {exc}", err=True)
        raise SystemExit(1) from None
    manifest = summary.manifest
    click.echo(
        f"Restored a {manifest.engine} backup made {manifest.created_at} by Publica "
        f"{manifest.publica_version}: {summary.files} uploads ({_size(summary.media_bytes)}), "
        f"keys {', '.join(summary.keys) or 'none'}"
    )
    for table, count in summary.counts.items():
        click.echo(f"  {table:26} {count:>10} rows")
    for path_aside in summary.set_aside:
        click.echo(f"What was there before was kept at {path_aside}")
    for name in manifest.keys_in_settings:
        click.echo(f"{name} was set when the backup was made: set it here too.")
    if summary.problems:
        for problem in summary.problems:
            click.echo(f"FAILED {problem}", err=True)
        raise SystemExit(1)
    if summary.ledger_size is not None:
        click.echo(f"OK: the ledger's {summary.ledger_size} entries verify against its checkpoint")
    else:
        click.echo("OK: the row counts match the backup (its ledger was empty)")
