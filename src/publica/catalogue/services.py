"""Writes to the catalogue: loading service files as new immutable versions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from publica.accounts.models import Department
from publica.accounts.roles import Role
from publica.catalogue import servicefile
from publica.catalogue.models import Service, ServiceVersion
from publica.core import clock, recent
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied

logger = logging.getLogger(__name__)

MAY_LOAD = frozenset({Role.SERVICE_DESIGNER, Role.ADMIN})


@dataclass(frozen=True)
class LoadResult:
    version: ServiceVersion
    created: bool


def service_files(path: Path) -> list[Path]:
    """The service files under `path` (a file, or a folder searched for *.yaml / *.yml)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InvalidInput([FieldError("", "no such file or folder", source=str(path))])
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def service_validate_files(paths: Iterable[Path]) -> list[InvalidInput]:
    """Check every file; return one InvalidInput per broken file (empty when all are good)."""
    problems = []
    for path in paths:
        try:
            servicefile.parse_file(path)
        except InvalidInput as exc:
            problems.append(exc)
    return problems


@transaction.atomic
def service_load(
    *, definition: servicefile.ServiceDefinition, actor: Actor, source: str = ""
) -> LoadResult:
    """Store a checked definition as the service's next version, unless it is unchanged."""
    _require_designer(actor)
    data = definition.data
    department = Department.objects.filter(slug=data["department"]).first()
    if department is None:
        message = f"no department with slug {data['department']!r}"
        raise InvalidInput([FieldError("department", message, source=source)])
    service = Service.objects.select_for_update().filter(slug=definition.slug).first()
    if service is None:
        service = Service(slug=definition.slug)
    else:
        latest = service.versions.order_by("-number").first()
        if latest is not None and latest.checksum == definition.checksum:
            return LoadResult(latest, created=False)
    service.title = data["title"]
    service.summary = data["summary"]
    service.kind = data["kind"]
    service.group = data.get("group", "")
    service.department = department
    service.save()
    number = (
        service.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = ServiceVersion.objects.create(
        service=service,
        number=number,
        definition=data,
        checksum=definition.checksum,
        source=source,
        created_at=clock.now(),
    )
    service.current_version = version
    service.save(update_fields=["current_version"])
    recent.forget(f"service:{service.slug}")
    logger.info("service %s loaded as version %s", service.slug, number)
    return LoadResult(version, created=True)


def service_load_path(*, path: Path, actor: Actor) -> list[LoadResult]:
    """Check every file under `path` first; load them all only if every one is valid."""
    files = service_files(path)
    problems = service_validate_files(files)
    if problems:
        raise InvalidInput([error for problem in problems for error in problem.errors])
    with transaction.atomic():
        return [
            service_load(definition=servicefile.parse_file(f), actor=actor, source=str(f))
            for f in files
        ]


def _require_designer(actor: Actor) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor.role not in MAY_LOAD:
        raise PermissionDenied("only a service designer or an admin may load services")
