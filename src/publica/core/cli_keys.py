"""`publica keys status | add | rotate | retire`: the field-encryption keys (docs/encryption.md)."""

from __future__ import annotations

import click

__all__ = ["keys"]


@click.group()
def keys() -> None:
    """Field-level encryption keys: status, add one, rotate to it, retire an old one."""


@keys.command("status")
def keys_status_command() -> None:
    """How many values of each encrypted column each key holds."""
    from publica.core.fieldkeys import keyring
    from publica.core.keyrotation import keys_status

    ring = keyring()
    click.echo(f"Current key: {ring.current}; keys loaded: {', '.join(sorted(ring.keys))}")
    for column, counts in keys_status().items():
        held = ", ".join(f"{key}: {count:,}" for key, count in sorted(counts.items()))
        click.echo(f"{column}: {held or 'empty'}")


@keys.command("add")
def keys_add_command() -> None:
    """Add a new key to the key file; every process can read with it within a second.
    `publica keys rotate` then makes it current and re-encrypts."""
    from publica.core.fieldcrypt import KeyringError
    from publica.core.fieldkeys import keys_add

    try:
        key_id = keys_add()
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added key {key_id}. Next: publica keys rotate")


@keys.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
def keys_rotate_command(batch: int) -> None:
    """Make the newest key current and re-encrypt everything under it, while serving."""
    import time

    from publica.core.keyrotation import keys_rotate

    began = time.perf_counter()
    done = keys_rotate(batch=batch, echo=click.echo)
    took = time.perf_counter() - began
    click.echo(f"Re-encrypted {sum(done.values()):,} values in {took:.1f} s")


@keys.command("retire")
@click.argument("key_id")
def keys_retire_command(key_id: str) -> None:
    """Remove a key no value is encrypted under any more."""
    from publica.core.fieldcrypt import KeyringError
    from publica.core.fieldkeys import keys_retire
    from publica.core.keyrotation import keys_status

    holding = {c: n[key_id] for c, n in keys_status().items() if n[key_id]}
    if holding:
        where = ", ".join(f"{column} ({count:,})" for column, count in holding.items())
        raise click.ClickException(f"{key_id} still encrypts {where}: run publica keys rotate")
    try:
        keys_retire(key_id)
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Retired key {key_id}")
