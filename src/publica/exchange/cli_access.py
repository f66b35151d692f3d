"""`publica exchange seal-access | verify-access`: seal access records into the ledger now,
and check every seal. Django is set up by the `publica` group before these run, so models
are imported inside the commands."""

from __future__ import annotations

import click

__all__ = ["COMMANDS"]


@click.command("seal-access")
def seal_access() -> None:
    """Seal the access records old enough to seal (the worker does this every minute)."""
    from publica.exchange.services.sealing import access_seal

    batches = access_seal()
    records = sum(batch.count for batch in batches)
    click.echo(f"Sealed {records} access records in {len(batches)} batches")


@click.command("verify-access")
def verify_access() -> None:
    """Check every sealed batch of access records against its ledger entry; exit 1 naming
    each batch whose records were deleted or changed, and records left unsealed."""
    from publica.exchange.services.sealing import access_verify

    report = access_verify()
    for problem in report.problems:
        click.echo(problem, err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo(f"{report.records} access records in {report.batches} batches match their seals")


COMMANDS = [seal_access, verify_access]
