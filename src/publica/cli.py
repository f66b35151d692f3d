"""The `publica` command: everything a deployer runs, plus every Django management command.

publica migrate | demo | serve | worker | services validate|load|list
publica createsuperuser, publica shell, …   (any other name goes to Django)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["main"]


class _PublicaGroup(click.Group):
    """Publica's own commands first; any other name is handed to Django's management."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command

        @click.command(
            name=cmd_name,
            context_settings={"ignore_unknown_options": True, "help_option_names": []},
            add_help_option=False,
        )
        @click.argument("args", nargs=-1, type=click.UNPROCESSED)
        def django_command(args: tuple[str, ...]) -> None:
            from django.core.management import execute_from_command_line

            execute_from_command_line(["publica", cmd_name, *args])

        return django_command


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publica.settings")
    import django

    django.setup()


@click.group(cls=_PublicaGroup)
def main() -> None:
    """Publica: run a public body's services online."""
    _setup()


@main.command()
def migrate() -> None:
    """Create or update the database tables."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    call_command("createcachetable", verbosity=0)  # sign-in throttling and rate limits use it


@main.command()
@click.option("--cases", default=400, show_default=True, help="Past cases to create.")
@click.option("--seed", default=2026, show_default=True, help="Random seed for the cases.")
def demo(cases: int, seed: int) -> None:
    """Load the demo town: departments, staff, services and past cases (safe to run again)."""
    from publica.demo import load

    summary = load.load_demo(cases=cases, seed=seed, progress=_progress)
    click.echo(summary)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="Web workers [PUBLICA_SERVE_WORKERS].")
def serve(host: str, port: int, workers: int | None) -> None:
    """Serve Publica with gunicorn (a production server, never Django's development one)."""
    from django.conf import settings
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    call_command("collectstatic", interactive=False, verbosity=0)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers or settings.PUBLICA_SERVE_WORKERS)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            from publica.wsgi import application

            return application

    click.echo(f"Publica is serving on http://{host}:{port}/")
    _Server().run()


@main.command()
@click.option("--once", is_flag=True, help="Run every periodic job once, then stop.")
@click.option("--interval", type=int, default=None, help="Seconds between runs.")
def worker(once: bool, interval: int | None) -> None:
    """Run background and periodic jobs (SLA escalation) until stopped."""
    from publica import worker as jobs

    jobs.run(once=once, interval=interval, echo=click.echo)


@main.group()
def services() -> None:
    """Validate, load and list service files."""


@services.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def services_validate(paths: tuple[Path, ...]) -> None:
    """Check service files; print every error with file, line and field."""
    from publica.catalogue.services import service_files, service_validate_files
    from publica.core.errors import InvalidInput

    try:
        files = [file for path in paths for file in service_files(path)]
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from exc
    problems = service_validate_files(files)
    for problem in problems:
        for error in problem.errors:
            click.echo(str(error), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} of {len(files)} file(s) have errors")
    click.echo(f"{len(files)} service file(s) OK")


@services.command("load")
@click.argument("path", type=click.Path(path_type=Path))
def services_load(path: Path) -> None:
    """Load every service file under PATH; nothing is loaded if any file has errors."""
    from publica.catalogue.services import service_load_path
    from publica.core.actors import SystemActor
    from publica.core.errors import InvalidInput

    try:
        results = service_load_path(path=path, actor=SystemActor("cli"))
    except InvalidInput as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException("nothing was loaded") from exc
    for result in results:
        status = "new version" if result.created else "unchanged"
        click.echo(f"{result.version.service.slug}: v{result.version.number} ({status})")


@services.command("list")
def services_list() -> None:
    """List the services with their current version and department."""
    from publica.catalogue.selectors import service_list

    for service in service_list(include_inactive=True):
        number = service.current_version.number if service.current_version else "-"
        click.echo(f"{service.slug:24} v{number!s:4} {service.kind:12} {service.department.name}")


@main.group()
def apikeys() -> None:
    """Create, list and revoke API keys for other systems."""


@apikeys.command("create")
@click.option("--name", required=True, help="Who the key is for.")
@click.option("--scopes", required=True, help="Comma-separated, e.g. cases:read,cases:write.")
@click.option("--department", default="", help="Bind the key to one department (slug).")
@click.option("--rate", default=600, show_default=True, help="Requests per minute.")
def apikeys_create(name: str, scopes: str, department: str, rate: int) -> None:
    """Create a key; the key itself is printed alone on the last line, and only once."""
    from publica.accounts.apikeys import apikey_create
    from publica.accounts.models import Department
    from publica.core.actors import SystemActor
    from publica.core.errors import InvalidInput

    bound = None
    if department:
        bound = Department.objects.filter(slug=department).first()
        if bound is None:
            raise click.ClickException(f"no department {department!r}")
    try:
        key, raw = apikey_create(
            name=name,
            scopes=[scope.strip() for scope in scopes.split(",") if scope.strip()],
            department=bound,
            rate_per_minute=rate,
            actor=SystemActor("cli"),
        )
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {key} with scopes {', '.join(key.scopes)}. Keep this key secret:")
    click.echo(raw)


@apikeys.command("list")
def apikeys_list() -> None:
    """List keys (never their secrets)."""
    from publica.accounts.models import ApiKey

    for key in ApiKey.objects.select_related("department"):
        state = "revoked" if key.revoked_at else "active"
        where = key.department.slug if key.department else "all departments"
        click.echo(f"{key.prefix}  {state:8} {key.name:30} {where:20} {','.join(key.scopes)}")


@apikeys.command("revoke")
@click.argument("prefix")
def apikeys_revoke(prefix: str) -> None:
    """Revoke the key with this prefix (the part after `pub_`)."""
    from publica.accounts.apikeys import apikey_revoke
    from publica.accounts.models import ApiKey
    from publica.core.actors import SystemActor

    key = ApiKey.objects.filter(prefix=prefix).first()
    if key is None:
        raise click.ClickException(f"no key with prefix {prefix!r}")
    apikey_revoke(key=key, actor=SystemActor("cli"))
    click.echo(f"Revoked {key}")


def _progress(items: Any, label: str) -> Any:
    return click.progressbar(items, label=label, file=sys.stderr)


if __name__ == "__main__":
    main()
