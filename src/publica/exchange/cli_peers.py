"""`publica exchange key | client-add | client-grant | client-revoke | peer-add | route | list`:
the keys, clients, grants, peers and routes of the signed register API (docs/exchange.md).

Django is set up by the `publica` group before these run, so models are imported inside the
commands. `exchange/cli.py` adds `COMMANDS` to the `publica exchange` group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

__all__ = ["COMMANDS"]

T = TypeVar("T")

#: Where a service's field comes from on the command line, when the names differ.
_OPTIONS = {"client_id": "--id", "base_url": "--url"}


def _run(write: Callable[[], T], options: dict[str, str] | None = None) -> T:
    """Call a service; its errors are printed naming the option at fault."""
    from publica.core.errors import InvalidInput, PublicaError

    try:
        return write()
    except InvalidInput as exc:
        names = {**_OPTIONS, **(options or {})}
        for error in exc.errors:
            option = names.get(error.field, "--" + error.field.replace("_", "-"))
            click.echo(f"{option}: {error.message}", err=True)
        raise click.ClickException("nothing was changed") from None
    except PublicaError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("key")
def key() -> None:
    """Print this organisation's key id and public key, for the agencies it calls."""
    from django.core.exceptions import ImproperlyConfigured

    from publica.exchange import keys

    try:
        click.echo(f"key id:     {keys.key_id()}")
    except ImproperlyConfigured as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"public key: {keys.public_key_b64()}")


@click.command("client-add")
@click.option("--id", "client_id", required=True, help="The key id its requests are signed with.")
@click.option("--name", required=True, help="The organisation, as residents read it.")
@click.option("--public-key", required=True, help="Its Ed25519 public key, base64.")
def client_add(client_id: str, name: str, public_key: str) -> None:
    """Let another agency call this instance's registers (once granted some)."""
    from publica.exchange.services.peers import client_add as add

    client = _run(lambda: add(client_id=client_id, name=name, public_key=public_key))
    click.echo(f"Added client {client.client_id} ({client.name}); grant it registers next")


@click.command("client-grant")
@click.option("--id", "client_id", required=True, help="The client's key id.")
@click.option("--register", required=True, help="The register it may ask.")
@click.option("--purpose", required=True, help="What for, as it will say in each request.")
def client_grant(client_id: str, register: str, purpose: str) -> None:
    """Let a client ask one register for one purpose."""
    from publica.exchange.services.peers import client_grant as grant

    made = _run(lambda: grant(client_id=client_id, register=register, purpose=purpose))
    click.echo(f"{made.client.name} may ask the {made.register} register for {made.purpose!r}")


@click.command("client-revoke")
@click.option("--id", "client_id", required=True, help="The client's key id.")
def client_revoke(client_id: str) -> None:
    """Refuse a client's requests from now on."""
    from publica.exchange.services.peers import client_revoke as revoke

    client = _run(lambda: revoke(client_id=client_id))
    when = f"{client.revoked_at:%Y-%m-%d %H:%M %Z}"
    click.echo(f"Revoked client {client.client_id} ({client.name}) at {when}")


@click.command("peer-add")
@click.option("--slug", required=True, help="A short name for it here.")
@click.option("--name", required=True, help="The organisation, as residents read it.")
@click.option("--url", "base_url", required=True, help="Its exchange API, e.g. https://x/exchange/")
@click.option("--key-id", required=True, help="The key id its answers are signed with.")
@click.option("--public-key", required=True, help="Its Ed25519 public key, base64.")
@click.option("--client-id", required=True, help="Who we are to it: our key id there.")
def peer_add(
    slug: str, name: str, base_url: str, key_id: str, public_key: str, client_id: str
) -> None:
    """Add another instance whose registers this one asks (or change the one with SLUG)."""
    from publica.exchange.services.peers import peer_add as add

    peer = _run(
        lambda: add(slug=slug, name=name, base_url=base_url, key_id=key_id,
                    public_key=public_key, client_id=client_id),
        {"client_id": "--client-id"},
    )  # fmt: skip
    click.echo(f"Peer {peer.slug}: {peer.name} at {peer.base_url}")


@click.command("route")
@click.option("--register", required=True, help="The register to route.")
@click.option("--peer", default=None, help="Ask it of this peer (its slug).")
@click.option("--local", is_flag=True, help="Ask it of this instance's own tables.")
def route(register: str, peer: str | None, local: bool) -> None:
    """Say where a register is asked: of a peer, or locally."""
    from publica.exchange.services.peers import register_route

    if (peer is None) == (not local):
        raise click.UsageError("give either --peer SLUG or --local")
    source = _run(lambda: register_route(register=register, peer=peer))
    where = f"peer {source.peer.slug} ({source.peer.base_url})" if source else "the local tables"
    click.echo(f"The {register} register is asked of {where}")


@click.command("list")
def list_all() -> None:
    """List clients and their grants, peers, and where each register is asked."""
    from publica.exchange import registers
    from publica.exchange.models import Client, Peer, RegisterSource

    click.echo("Clients (who may call this instance):")
    for client in Client.objects.prefetch_related("grants").order_by("client_id"):
        state = f"revoked {client.revoked_at:%Y-%m-%d}" if client.revoked_at else "active"
        click.echo(f"  {client.client_id:24} {state:18} {client.name}")
        for grant in client.grants.all():
            click.echo(f"    may ask {grant.register} for {grant.purpose!r}")
    click.echo("Peers (whom this instance calls):")
    for peer in Peer.objects.order_by("slug"):
        click.echo(f"  {peer.slug:24} {peer.base_url}  key {peer.key_id}, we are {peer.client_id}")
    click.echo("Routes:")
    sources = {s.register: s.peer for s in RegisterSource.objects.select_related("peer")}
    for name in registers.REGISTERS:
        click.echo(f"  {name:12} {('peer ' + sources[name].slug) if name in sources else 'local'}")


COMMANDS = [key, client_add, client_grant, client_revoke, peer_add, route, list_all]
