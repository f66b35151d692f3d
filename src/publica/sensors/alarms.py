"""Sensor alarms: run the rules on new readings and open, add to and resolve maintenance cases.

A firing rule opens one case in its service, as Publica (`SystemActor("sensors")`, the
automation role), with the thing, location and readings attached. Further firings while that
case is open add to it: at most one note every NOTE_INTERVAL, with the count since the last.
Readings back to normal add a note and, for a rule with `auto_resolve`, take the workflow's
step to a resolved state if automation may take it (that transition writes its ledger entry).

Alarm work never loses readings: each rule acts in its own savepoint, and a failure (a service
that does not exist, a form that rejects the facts) is kept on the alarm and logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Max

from publica.accounts.models import User
from publica.accounts.roles import AUTOMATION, Role
from publica.cases import services as case_services
from publica.cases.models import Case, Channel
from publica.catalogue.selectors import service_get
from publica.core import clock, recent
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied, PublicaError
from publica.sensors import rulefile, rules
from publica.sensors.models import Alarm, Datastream, Observation, ObservedProperty, SensorRule

__all__ = [
    "NOTE_INTERVAL",
    "SENSORS",
    "NewReading",
    "alarms_check_absences",
    "alarms_evaluate",
    "alarms_watch",
    "rules_changed",
    "rules_load",
]

logger = logging.getLogger(__name__)

SENSORS = SystemActor("sensors")
#: Repeated firings on an open case become at most one note per interval.
NOTE_INTERVAL = dt.timedelta(minutes=10)
#: Readings of one batch judged one by one; older ones in a bigger batch are history only.
MAX_JUDGED = 500
READINGS_ON_CASE = 10
_RULES_KEY = "sensors:rules"

Firing = tuple[rules.Reading | None, rules.Verdict]


@dataclass(frozen=True)
class _Rule:
    """An active rule as kept in each process's short cache."""

    pk: int
    name: str
    spec: rules.Rule
    datastream_id: int | None
    observed_property_id: int | None
    service_slug: str
    auto_resolve: bool


# ---------------------------------------------------------------------------- which rules apply


def _active_rules() -> list[_Rule]:
    def load() -> list[_Rule]:
        return [
            _Rule(
                rule.pk,
                rule.name,
                rules.Rule(rule.kind, rule.parameters, rule.when),
                rule.datastream_id,
                rule.observed_property_id,
                rule.service_slug,
                rule.auto_resolve,
            )
            for rule in SensorRule.objects.filter(active=True).order_by("pk")
        ]

    return recent.remembered(_RULES_KEY, load) or []


def rules_changed() -> None:
    """Call after changing SensorRule rows (the admin and rules_load do)."""
    recent.forget(_RULES_KEY)


def _rules_for(datastream: Datastream) -> list[_Rule]:
    every = _active_rules()
    if not every:
        return []
    mine = [rule for rule in every if rule.datastream_id == datastream.pk]
    if any(rule.observed_property_id for rule in every):
        property_id = datastream.observed_property_id or recent.remembered(
            f"sensors:datastream-property:{datastream.pk}",
            lambda: (
                Datastream.objects.filter(pk=datastream.pk)
                .values_list("observed_property_id", flat=True)
                .first()
            ),
        )
        mine += [rule for rule in every if property_id and rule.observed_property_id == property_id]
    return mine


# ---------------------------------------------------------------------------- new readings


class NewReading(NamedTuple):
    """A numeric reading just stored (named as Observation's fields are)."""

    pk: int
    phenomenon_time: dt.datetime
    value: float


def alarms_watch(datastream: Datastream) -> bool:
    """Whether any active rule applies to this Datastream (no query while the cache is warm)."""
    return bool(_rules_for(datastream))


def alarms_evaluate(*, datastream: Datastream, readings: Sequence[NewReading]) -> None:
    """Run the rules that apply to `datastream` on its new numeric readings. Cheap when no rule
    applies (no query while the rule cache is warm). Cases are worked as SENSORS, whoever sent
    the readings, so a gateway's key needs no rights over cases."""
    rules_here = _rules_for(datastream)
    if not rules_here or not readings:
        return
    batch = sorted(readings, key=lambda reading: reading.phenomenon_time)
    now = clock.now()
    context = _context(datastream.pk)
    for rule in rules_here:
        verdicts: list[Firing]
        if rule.spec.kind == "absence":
            last = batch[-1]
            reading = rules.Reading(last.phenomenon_time, last.value)
            verdicts = [(reading, rules.evaluate(rule.spec, [reading], now=now))]
        else:
            verdicts = _judge(rule, datastream.pk, batch[-MAX_JUDGED:], now, context)
        _act(rule, datastream.pk, verdicts, now)


def _judge(
    rule: _Rule,
    datastream_id: int,
    batch: Sequence[NewReading],
    now: dt.datetime,
    context: dict[str, Any],
) -> list[Firing]:
    """A verdict for each reading of the batch, each judged with the readings before it."""
    series = _series(rule.spec, datastream_id, batch)
    new = {reading.pk for reading in batch}
    verdicts: list[Firing] = []
    for position, (pk, reading) in enumerate(series):
        if pk in new:
            history = [r for _, r in series[: position + 1]]
            verdicts.append((reading, rules.evaluate(rule.spec, history, now=now, context=context)))
    return verdicts


def _series(
    spec: rules.Rule, datastream_id: int, batch: Sequence[NewReading]
) -> list[tuple[int, rules.Reading]]:
    """The batch with the readings a rule needs before it, oldest first (the batch is stored)."""
    first, last = batch[0].phenomenon_time, batch[-1].phenomenon_time
    found = Observation.objects.filter(
        datastream_id=datastream_id, value__isnull=False, phenomenon_time__lte=last
    )
    if spec.kind == "rate_of_change":
        window = dt.timedelta(seconds=spec.parameters.get("window_seconds", 3600))
        rows = list(
            found.filter(phenomenon_time__gte=first - window)
            .order_by("phenomenon_time", "pk")
            .values_list("pk", "phenomenon_time", "value")
        )
    else:
        before = spec.parameters.get("window", 1) if spec.kind == "zscore" else 1
        rows = list(
            found.filter(phenomenon_time__gte=first)
            .order_by("phenomenon_time", "pk")
            .values_list("pk", "phenomenon_time", "value")
        )
        earlier = found.filter(phenomenon_time__lt=first).order_by("-phenomenon_time", "-pk")
        rows = list(reversed(earlier.values_list("pk", "phenomenon_time", "value")[:before])) + rows
    return [(pk, rules.Reading(time, float(value or 0))) for pk, time, value in rows]


def _context(datastream_id: int) -> dict[str, Any]:
    stream = Datastream.objects.select_related("thing").get(pk=datastream_id)
    return {
        "thing": {"name": stream.thing.name, "properties": stream.thing.properties or {}},
        "datastream": {"name": stream.name, "properties": stream.properties or {}},
    }


def _act(rule: _Rule, datastream_id: int, verdicts: list[Firing], now: dt.datetime) -> None:
    for _, verdict in verdicts:
        if verdict.error:
            logger.warning("sensor rule %s failed: %s", rule.name, verdict.error)
            break
    firing = [(reading, verdict) for reading, verdict in verdicts if verdict.firing]
    if firing:
        _fire(rule, datastream_id, firing, now)
    if verdicts and not verdicts[-1][1].firing:
        _calm(rule, datastream_id, verdicts[-1][1], now)


# ---------------------------------------------------------------------------- acting on cases


def _fire(rule: _Rule, datastream_id: int, firing: list[Firing], now: dt.datetime) -> None:
    with transaction.atomic():
        alarm = _locked_alarm(rule.pk, datastream_id)
        reading, verdict = firing[-1]
        was = alarm.state
        alarm.state, alarm.cleared_at = Alarm.State.FIRING, None
        alarm.firings += len(firing)
        alarm.last_fired_at = reading.time if reading else now
        alarm.last_reason = verdict.reason[:300]
        case = _open_case(alarm)
        if case is None:
            alarm.first_fired_at = alarm.last_fired_at
            alarm.unnoted_firings, alarm.last_noted_at = 0, now
            alarm.case = _try(alarm, "open a case", lambda: _submit(rule, datastream_id, firing))
        elif was == Alarm.State.NORMAL:
            alarm.unnoted_firings, alarm.last_noted_at = 0, now
            again = f"The rule {rule.name} fires again: {verdict.reason}."
            _try(alarm, "add a note", lambda: _note(case, again))
        else:
            alarm.unnoted_firings += len(firing)
            if alarm.last_noted_at is None or now - alarm.last_noted_at >= NOTE_INTERVAL:
                text = (
                    f"The rule {rule.name} fired on {alarm.unnoted_firings} more reading(s) "
                    f"since the last note; latest: {verdict.reason}."
                )
                alarm.unnoted_firings, alarm.last_noted_at = 0, now
                _try(alarm, "add a note", lambda: _note(case, text))
        alarm.save()


def _calm(rule: _Rule, datastream_id: int, verdict: rules.Verdict, now: dt.datetime) -> None:
    if not Alarm.objects.filter(
        rule_id=rule.pk, datastream_id=datastream_id, state=Alarm.State.FIRING
    ).exists():
        return
    with transaction.atomic():
        alarm = _locked_alarm(rule.pk, datastream_id)
        if alarm.state != Alarm.State.FIRING:
            return
        alarm.state, alarm.cleared_at = Alarm.State.NORMAL, now
        case = _open_case(alarm)
        if case is not None:
            text = f"Readings are back to normal for the rule {rule.name}: {verdict.reason}."
            _try(alarm, "add a note", lambda: _note(case, text))
            target = _resolving_state(case) if rule.auto_resolve else None
            if target is not None:
                _try(
                    alarm,
                    "resolve the case",
                    lambda: case_services.case_transition(
                        case=case, to=target, actor=SENSORS, reason=text
                    ),
                )
        alarm.save()


def _locked_alarm(rule_id: int, datastream_id: int) -> Alarm:
    alarm, _ = Alarm.objects.get_or_create(rule_id=rule_id, datastream_id=datastream_id)
    return Alarm.objects.select_for_update().get(pk=alarm.pk)


def _open_case(alarm: Alarm) -> Case | None:
    if alarm.case_id is None:
        return None
    return Case.objects.filter(pk=alarm.case_id, closed_at__isnull=True).first()


def _try(alarm: Alarm, what: str, act: Callable[[], Any]) -> Any:
    """Do one case action in its own savepoint; keep a failure on the alarm, not raise it."""
    try:
        with transaction.atomic():
            result = act()
    except PublicaError as exc:
        alarm.problem = f"could not {what}: {exc}"[:500]
        logger.warning("sensor alarm %s could not %s: %s", alarm.pk, what, exc)
        return None
    alarm.problem = ""
    return result


def _note(case: Case, text: str) -> None:
    case_services.case_add_note(case=case, text=text, actor=SENSORS)


def _resolving_state(case: Case) -> str | None:
    """A state with outcome `resolved` that automation may move this case to, if any."""
    workflow = case.service_version.workflow
    for target, outcome in workflow.outcomes.items():
        step = workflow.steps.get((case.state, target))
        if outcome == "resolved" and step is not None and AUTOMATION in step.roles:
            return target
    return None


def _submit(rule: _Rule, datastream_id: int, firing: list[Firing]) -> Case:
    service = service_get(slug=rule.service_slug)
    stream = Datastream.objects.select_related("thing").get(pk=datastream_id)
    location = stream.thing.locations.order_by("pk").first()
    place: dict[str, Any] = {"address": (location.name if location else stream.thing.name)[:300]}
    point = _point(location.location) if location else None
    if point is not None:
        place["longitude"], place["latitude"] = point
    first, verdict = firing[0]
    readings = [r for r, _ in firing if r is not None][-READINGS_ON_CASE:]
    facts: dict[str, Any] = {
        "location": place,
        "thing": stream.thing.name[:200],
        "thing_id": stream.thing.pk,
        "datastream": stream.name[:200],
        "datastream_id": stream.pk,
        "rule": rule.name,
        "reason": verdict.reason[:300],
        "unit": str((stream.unit_of_measurement or {}).get("name", ""))[:50],
        "readings": [{"time": r.time.isoformat(), "value": r.value} for r in readings],
    }
    if first is not None:
        facts["reading"], facts["reading_time"] = first.value, first.time.isoformat()
    questions = service.current_version.definition["form"]["schema"]["properties"]  # type: ignore[union-attr]
    data = {key: value for key, value in facts.items() if key in questions}
    case = case_services.case_submit(
        service=service, data=data, actor=SENSORS, channel=Channel.SENSOR
    )
    logger.info("sensor rule %s opened case %s", rule.name, case.reference)
    return case


def _point(geometry: Any) -> tuple[float, float] | None:
    """(longitude, latitude) of a GeoJSON Point, or of a Feature whose geometry is one."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    longitude, latitude = coordinates[0], coordinates[1]
    if not all(isinstance(c, int | float) for c in (longitude, latitude)):
        return None
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        return None
    return float(longitude), float(latitude)


# ---------------------------------------------------------------------------- absences


def alarms_check_absences(*, now: dt.datetime | None = None, actor: Actor = SENSORS) -> int:
    """Run every active absence rule as of `now`; the worker calls this every minute or so.
    Returns how many (rule, datastream) pairs are firing."""
    _require_system(actor)
    now = now or clock.now()
    firing = 0
    for rule in (r for r in _active_rules() if r.spec.kind == "absence"):
        if rule.datastream_id is not None:
            streams = [rule.datastream_id]
        else:
            streams = list(
                Datastream.objects.filter(observed_property_id=rule.observed_property_id)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        latest = dict(
            Observation.objects.filter(datastream_id__in=streams)
            .values("datastream_id")
            .annotate(latest=Max("phenomenon_time"))
            .values_list("datastream_id", "latest")
        )
        for stream in streams:
            reading = rules.Reading(latest[stream], 0.0) if stream in latest else None
            verdict = rules.evaluate(rule.spec, [reading] if reading else [], now=now)
            _act(rule, stream, [(None, verdict)], now)
            firing += verdict.firing
    return firing


def _require_system(actor: Actor) -> None:
    if not isinstance(actor, SystemActor):
        raise PermissionDenied("only Publica itself checks sensor absences")


# ---------------------------------------------------------------------------- the rules file


@transaction.atomic
def rules_load(*, path: Path, actor: Actor) -> list[SensorRule]:
    """Create or update (by name) every rule in the YAML file at `path`, all or nothing;
    InvalidInput names each field at fault. Rules not in the file are left as they are."""
    if not isinstance(actor, SystemActor) and not (
        isinstance(actor, User) and actor.is_active and actor.role == Role.ADMIN
    ):
        raise PermissionDenied("only an admin may load sensor rules")
    declarations = rulefile.parse(Path(path).read_text(encoding="utf-8"), source=str(path))
    errors: list[FieldError] = []
    values = [_rule_values(d, f"rules[{i}]", errors) for i, d in enumerate(declarations)]
    if errors:
        raise InvalidInput(errors)
    loaded = [
        SensorRule.objects.update_or_create(name=d.name, defaults=v)[0]
        for d, v in zip(declarations, values, strict=True)
    ]
    rules_changed()
    return loaded


def _rule_values(
    declaration: rulefile.RuleDeclaration, where: str, errors: list[FieldError]
) -> dict[str, Any]:
    datastream_id, property_id = declaration.datastream, None
    if datastream_id is not None and not Datastream.objects.filter(pk=datastream_id).exists():
        errors.append(FieldError(f"{where}.datastream", f"no Datastream with id {datastream_id}"))
    wanted = declaration.observed_property
    if isinstance(wanted, int):
        property_id = (
            ObservedProperty.objects.filter(pk=wanted).values_list("pk", flat=True).first()
        )
    elif isinstance(wanted, str):
        found = list(ObservedProperty.objects.filter(name=wanted).values_list("pk", flat=True)[:2])
        if len(found) > 1:
            errors.append(FieldError(f"{where}.observed_property", f"{wanted!r} is ambiguous"))
        property_id = found[0] if found else None
    if wanted is not None and property_id is None:
        errors.append(FieldError(f"{where}.observed_property", f"no ObservedProperty {wanted!r}"))
    try:
        service_get(slug=declaration.service)
    except PublicaError:
        errors.append(FieldError(f"{where}.service", f"no active service {declaration.service!r}"))
    return {
        "description": declaration.description,
        "kind": declaration.kind,
        "parameters": declaration.parameters,
        "when": declaration.when,
        "datastream_id": datastream_id,
        "observed_property_id": property_id,
        "service_slug": declaration.service,
        "auto_resolve": declaration.auto_resolve,
        "active": declaration.active,
    }
