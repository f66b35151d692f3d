"""The `publica` command: everything a deployer runs, plus every Django management command.

publica migrate | demo | serve | worker | services validate|load|list
publica opendata publish|check-dcat · spending import-budget|import-spend
publica insights refresh|rebuild|forecast
publica createsuperuser, publica shell, …   (any other name goes to Django)
"""

from __future__ import annotations

import logging
import os
import subprocess
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
@click.option("--threads", type=int, default=None, help="Per worker [PUBLICA_SERVE_THREADS].")
def serve(host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Serve Publica with gunicorn (a production server, never Django's development one)."""
    from django.conf import settings
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    call_command("collectstatic", interactive=False, verbosity=0)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers or settings.PUBLICA_SERVE_WORKERS)
            # More than one thread makes gunicorn use its threaded worker, which also keeps
            # connections alive: a thread waiting on the database lets another one run.
            self.cfg.set("threads", threads or settings.PUBLICA_SERVE_THREADS)
            # No gunicorn access log (its lines hold query strings and addresses): Publica
            # writes its own (core.middleware), and gunicorn's lines go through its handler.
            self.cfg.set("logconfig_dict", settings.LOGGING)
            if settings.PUBLICA_ASSISTANT_WARM_UP:
                self.cfg.set("post_worker_init", _warm_up)

        def load(self) -> Any:
            from publica.wsgi import application

            return application

    from publica.core.metrics import multiprocess_prepare

    # /metrics sums the request counts of every web worker (and starts again from zero).
    multiprocess_prepare(Path(settings.DATA_DIR) / "metrics")
    click.echo(f"Publica is serving on http://{host}:{port}/")
    background = None
    if settings.PUBLICA_SERVE_WORKER:  # the embedded default: one machine, one command
        background = _BackgroundWorker()
        click.echo("… with a background worker (PUBLICA_SERVE_WORKER=false to run your own)")
    try:
        _Server().run()
    finally:
        if background is not None:
            background.stop()


class _BackgroundWorker:
    """`publica worker` beside the web workers, started again whenever it dies (killed, out of
    memory, its database gone), as gunicorn does for its web workers, until serve stops."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.process = self._start()
        threading.Thread(target=self._watch, name="worker-supervisor", daemon=True).start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "publica.cli", "worker"])

    def _watch(self) -> None:
        while not self.stopping.wait(1):
            with self.lock:
                # poll() is not None once it died, even when gunicorn's reaping took its status
                if self.stopping.is_set() or self.process.poll() is None:
                    continue
                logging.getLogger("publica.worker").warning(
                    "the background worker stopped (exit status %s); starting it again",
                    self.process.returncode,
                )
                self.process = self._start()

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            self.process.terminate()
            self.process.wait(timeout=30)


def _warm_up(worker: Any) -> None:
    """In a new web worker, build the assistant's index (loading its model) in the background."""
    import threading

    def build() -> None:
        from django.db import connection

        from publica.assistant.services.help import assistant_index

        try:
            assistant_index()
        except Exception:  # the first question builds it again, and says what is wrong
            logging.getLogger("publica.assistant").exception("could not warm the help index")
        finally:
            connection.close()

    threading.Thread(target=build, name="assistant-warm-up", daemon=True).start()


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


@main.group()
def ledger() -> None:
    """The transparency ledger: its key, sequencing, and verification."""


@ledger.command("key")
def ledger_key() -> None:
    """Print the verifier key that checks the ledger's checkpoints."""
    from publica.ledger import keys

    click.echo(keys.verifier_key())


@ledger.command("sequence")
def ledger_sequence() -> None:
    """Integrate every pending decision now and sign a checkpoint."""
    from publica.ledger.services import ledger_sequence as sequence

    latest = None
    while (checkpoint := sequence()) is not None:
        latest = checkpoint
    click.echo(f"Signed a checkpoint of size {latest.size}" if latest else "Nothing was pending")


@ledger.command("verify")
@click.option("--url", help="Verify the ledger published here (e.g. https://example.gov/ledger/).")
@click.option("--key", "verifier_key", help="The verifier key to trust (default: this one's).")
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the last checkpoint seen is kept [PUBLICA_DATA_DIR/ledger-verified.json].",
)
def ledger_verify(url: str | None, verifier_key: str | None, state: Path | None) -> None:
    """Check every entry, tile and signature; exit 1 naming each problem found."""
    import time

    from django.conf import settings

    from publica.ledger import keys, note, verify

    if url is None:
        from publica.ledger.selectors import checkpoint_latest

        if checkpoint_latest() is None:
            click.echo("The ledger is empty: no checkpoint has been signed yet.")
            return
    source: verify.Source = verify.HttpSource(url) if url else verify.DatabaseSource()
    if verifier_key is None and isinstance(source, verify.HttpSource):
        verifier_key = source.key()
        click.echo("Trusting the key the log serves; pass --key to check against your own copy.")
    try:
        verifier = note.Verifier.parse(verifier_key or keys.verifier_key())
    except note.NoteError as exc:
        raise click.BadParameter(str(exc), param_hint="--key") from None
    began = time.perf_counter()
    report = verify.verify(
        source, verifier, state or Path(settings.DATA_DIR) / "ledger-verified.json"
    )
    took = time.perf_counter() - began
    for finding in report.findings:
        click.echo(f"FAILED {finding}", err=True)
    if not report.ok:
        raise SystemExit(1)
    since = (
        f", consistent with size {report.previous_size} seen before"
        if report.previous_size is not None
        else ""
    )
    click.echo(
        f"OK: {report.size} entries verified against the signed checkpoint in {took:.1f} s{since}"
    )


@main.group()
def sensors() -> None:
    """Sensors: MQTT ingestion, the demo simulator, and the rules that open cases."""


@sensors.command("ingest")
@click.option("--url", default=None, help="The MQTT broker [PUBLICA_MQTT_URL].")
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="Ingesters sharing the work [PUBLICA_MQTT_INGESTERS].")  # fmt: skip
@click.option("--member", type=click.IntRange(1), default=None, hidden=True)
def sensors_ingest(url: str | None, processes: int | None, member: int | None) -> None:
    """Subscribe to observations on MQTT and store them until stopped (Ctrl+C)."""
    import threading

    from django.conf import settings

    from publica.sensors import ingest

    broker = url or settings.PUBLICA_MQTT_URL or "mqtt://127.0.0.1:1883"
    base = settings.PUBLICA_MQTT_CLIENT_ID
    stop = threading.Event()
    ingest.stop_on_signals(stop)
    if member is not None:  # one of a group that `run_group` started
        one = ingest.member(broker, base, member)
        one.stop_when(stop)
        one.run()
        return
    count = processes or settings.PUBLICA_MQTT_INGESTERS
    click.echo(f"Taking observations from {broker} with {count} ingester(s)")
    stats = ingest.run_ingesters(broker, base, count, stop)
    if stats is not None:
        dropped = ", ".join(f"{k}: {n}" for k, n in stats.dropped.items()) or "none"
        click.echo(
            f"Stored {stats.stored} observations ({stats.duplicates} resent ones not stored "
            f"twice); dropped {dropped}"
        )


@sensors.command("simulate")
@click.option("--transport", type=click.Choice(["mqtt", "http", "db"]), default="mqtt",
              show_default=True)  # fmt: skip
@click.option("--interval", type=float, default=300.0, show_default=True,
              help="Simulated seconds between two readings of one datastream.")  # fmt: skip
@click.option("--count", type=int, default=None, help="Readings per datastream (default: forever).")
@click.option("--speedup", type=float, default=1.0, show_default=True,
              help="Simulated time runs this much faster (0: all at once).")  # fmt: skip
@click.option("--hours-ago", type=float, default=0.0, help="Start this far in the past.")
@click.option("--no-faults", is_flag=True, help="No stuck or silent sensors.")
@click.option("--mqtt", "mqtt_url", default="mqtt://127.0.0.1:1883", show_default=True)
@click.option("--url", "base_url", default="http://127.0.0.1:8000/sta/v1.1", show_default=True)
@click.option("--api-key", default=None, help="A key with the sensors:write scope (HTTP).")
def sensors_simulate(
    transport: str, interval: float, count: int | None, speedup: float, hours_ago: float,
    no_faults: bool, mqtt_url: str, base_url: str, api_key: str | None,
) -> None:  # fmt: skip
    """Publish realistic readings from the demo town's sensors, with faults."""
    import datetime as dt
    from urllib.parse import urlsplit

    from publica.core import clock
    from publica.sensors.simulate import SimulationError, run_simulation

    broker = urlsplit(mqtt_url)
    try:
        sent = run_simulation(
            transport=transport, interval_seconds=interval, count=count, speedup=speedup,
            start=clock.now() - dt.timedelta(hours=hours_ago), faults=not no_faults,
            mqtt_host=broker.hostname or "127.0.0.1", mqtt_port=broker.port or 1883,
            base_url=base_url, api_key=api_key, echo=click.echo,
        )  # fmt: skip
    except (SimulationError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Sent {sent} readings")


@sensors.group("rules")
def sensors_rules() -> None:
    """Rules that open maintenance cases from readings."""


@sensors_rules.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sensors_rules_load(path: Path) -> None:
    """Load a rules file (all or nothing; rules of the same name are updated)."""
    from publica.core.actors import SystemActor
    from publica.core.errors import InvalidInput
    from publica.sensors.alarms import rules_load

    try:
        loaded = rules_load(path=path, actor=SystemActor("cli"))
    except InvalidInput as exc:
        for error in exc.errors:
            click.echo(f"{path}: {error.field}: {error.message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Loaded {len(loaded)} rules from {path}")


@main.group()
def assistant() -> None:
    """The assistant: the report classifier that suggests services."""


@assistant.command("train")
def assistant_train() -> None:
    """Train the report classifier on past cases; print its scores on held-back cases."""
    from publica.assistant.services.triage import triage_train
    from publica.core.actors import SystemActor
    from publica.core.errors import InvalidInput

    try:
        model = triage_train(actor=SystemActor("cli"))
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Trained on {model.samples} cases and the catalogue ({len(model.services)} services); "
        f"on {model.held_out} held-back cases: accuracy {model.accuracy:.3f}, "
        f"macro-F1 {model.macro_f1:.3f}"
    )
    for slug, row in sorted(model.report.items()):
        click.echo(
            f"  {slug:24} precision {row['precision']:.2f}  recall {row['recall']:.2f}  "
            f"F1 {row['f1']:.2f}  ({row['support']} cases)"
        )


@main.group()
def opendata() -> None:
    """Open data: build the published datasets, check the DCAT-AP catalogue."""


@main.group()
def insights() -> None:
    """Dashboards: keep their summaries up to date, make the forecasts."""


@insights.command("refresh")
def insights_refresh() -> None:
    """Recount the days touched by cases changed since the last run (the worker does this)."""
    from publica.insights.services.summaries import summaries_refresh

    click.echo(f"{summaries_refresh()} days recounted")


@insights.command("rebuild")
def insights_rebuild() -> None:
    """Recount every day's figures from the cases."""
    from publica.insights.services.summaries import summaries_rebuild

    click.echo(f"{summaries_rebuild()} days with figures")


@insights.command("forecast")
def insights_forecast() -> None:
    """Forecast every service's weekly volume now (the worker does this daily)."""
    from publica.core.actors import SystemActor
    from publica.insights.services.forecasts import forecasts_make

    runs = forecasts_make(actor=SystemActor("forecasts"))
    for run in runs:
        weeks = list(run.weeks.all())
        tested = (
            f"backtest off by {run.backtest_mae:.1f} a week, {run.coverage:.0%} inside"
            if run.backtest_mae is not None and run.coverage is not None
            else "no backtest"
        )
        click.echo(
            f"{run.service.slug:24} {run.history_weeks:4} weeks -> "
            f"{sum(w.expected for w in weeks):8.0f} cases in {len(weeks)} weeks ({tested})"
        )
    click.echo(f"Made {len(runs)} forecasts")


@opendata.command("publish")
@click.argument("names", nargs=-1)
def opendata_publish(names: tuple[str, ...]) -> None:
    """Build every dataset now (or only those NAMES), as the worker does on its schedule."""
    from publica.core.errors import PublicaError
    from publica.opendata.services import dataset_refresh, datasets_publish

    try:
        built = [dataset_refresh(name=name) for name in names] if names else datasets_publish()
    except PublicaError as exc:
        raise click.ClickException(str(exc)) from None
    for dataset in built:
        click.echo(f"{dataset.name}: {dataset.row_count} rows")


@opendata.command("check-dcat")
@click.option(
    "--shapes",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The DCAT-AP 3.0.1 SHACL shapes [../shared/data/dcat-ap-3.0.1-shacl].",
)
def opendata_check_dcat(shapes: Path | None) -> None:
    """Validate the DCAT-AP catalogue, as served at PUBLICA_SITE_URL, against the DCAT-AP
    SHACL shapes: exit 1 unless the mandatory shapes conform; list what the recommended
    shapes still flag."""
    from django.conf import settings

    from publica.opendata import dcat_check, dcat_views

    graph = dcat_views.catalogue_at(settings.PUBLICA_SITE_URL)
    try:
        status = dcat_check.main(graph, shapes or dcat_check.DEFAULT_SHAPES_DIR)
    except FileNotFoundError as missing:
        raise click.ClickException(f"no SHACL shapes: {missing}") from None
    sys.exit(status)


def _register_app_commands() -> None:
    from publica.core.cli_backup import backup, restore
    from publica.core.cli_keys import keys
    from publica.exchange.cli import exchange
    from publica.spending.commands import spending

    main.add_command(spending)
    main.add_command(exchange)
    main.add_command(backup)
    main.add_command(restore)
    main.add_command(keys)


_register_app_commands()


def _progress(items: Any, label: str) -> Any:
    return click.progressbar(items, label=label, file=sys.stderr)


if __name__ == "__main__":
    main()
