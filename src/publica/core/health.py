"""Liveness (/healthz) and readiness (/readyz) for load balancers and orchestrators.

/healthz says the process answers, and nothing else: it touches no database, so a database
outage does not get every web worker restarted. /readyz says whether this instance can serve:
the database answers, every migration the code needs is applied, the data folder takes files.
Each check is named with "ok" or a short reason; the reason never holds an address, a
version or an error's text (those go to the log, redacted).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse

__all__ = ["healthz", "readiness", "readyz"]

logger = logging.getLogger(__name__)

OK = "ok"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("readiness: the database does not answer", exc_info=True)
        return "unreachable"
    return OK


def _migrations() -> str:
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        logger.warning("readiness: could not read the applied migrations", exc_info=True)
        return "unknown"
    if unapplied:
        return f"{len(unapplied)} not applied"
    return OK


def _data_folder() -> str:
    try:
        with tempfile.NamedTemporaryFile(dir=Path(settings.DATA_DIR), prefix=".readyz-"):
            pass
    except OSError:
        logger.warning("readiness: the data folder does not take files", exc_info=True)
        return "not writable"
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "migrations": _migrations,
    "data_folder": _data_folder,
}


def readiness() -> dict[str, str]:
    """Every check's outcome by name; the migrations are not read without a database."""
    outcome: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and outcome.get("database") != OK:
            outcome[name] = "unknown"
            continue
        outcome[name] = check()
    return outcome


def _answer(body: dict[str, object], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    """GET /healthz: 200 while the process answers."""
    return _answer({"status": OK})


def readyz(request: HttpRequest) -> JsonResponse:
    """GET /readyz: 200 when every check passes, else 503; each check named."""
    checks = readiness()
    ready = all(result == OK for result in checks.values())
    return _answer({"status": OK if ready else "failing", "checks": checks}, 200 if ready else 503)
