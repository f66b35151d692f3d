"""Writes to the SensorThings entities: deep insert, updates, deletes and bulk observations.

Every function takes the acting `actor`: Publica itself (`SystemActor`) or an API client whose
key has the `sensors:write` scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import jsonpatch
from django.db import transaction
from django.db.models import Max, Model, Value
from django.db.models.functions import Coalesce, Greatest, Least

from publica.core import clock
from publica.core.actors import Actor, ApiClient, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied
from publica.sensors.alarms import NewReading, alarms_evaluate, alarms_watch
from publica.sensors.entities import ENTITY_SETS, EntityType, Navigation, Property
from publica.sensors.models import (
    Datastream,
    FeatureOfInterest,
    HistoricalLocation,
    Location,
    Observation,
    Thing,
)
from publica.sensors.selectors import MODELS
from publica.sensors.storage import insert_observations
from publica.sensors.values import (
    ValueProblem,
    format_time,
    joined_result,
    parse_interval,
    parse_time,
    result_problem,
    split_result,
)

__all__ = [
    "WRITE_SCOPE",
    "ObservationRow",
    "Refused",
    "Written",
    "entity_create",
    "entity_delete",
    "entity_json_patch",
    "entity_update",
    "observations_create",
    "observations_create_from_data_arrays",
]

WRITE_SCOPE = "sensors:write"


def _require_writer(actor: Actor) -> None:
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, ApiClient) and WRITE_SCOPE in actor.scopes:
        return
    raise PermissionDenied(f"writing sensor data needs an API key with the scope {WRITE_SCOPE!r}")


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field, message)])


# ---------------------------------------------------------------------------- property values


def _stored(prop: Property, raw: Any, where: str) -> dict[str, Any]:
    """The model field values for one STA property value."""
    try:
        if prop.kind == "text":
            if not isinstance(raw, str):
                raise ValueProblem(f"expected a string, got {type(raw).__name__}")
            return {prop.field: raw}
        if prop.kind == "object":
            if raw is not None and not isinstance(raw, dict):
                raise ValueProblem(f"expected a JSON object, got {type(raw).__name__}")
            return {prop.field: raw}
        if prop.kind == "time":
            return {prop.field: None if raw is None else parse_time(raw)}
        if prop.kind == "interval":
            end_field = prop.field.replace("_start", "") + "_end"
            if raw is None:
                return {prop.field: None, end_field: None}
            start, end = parse_interval(raw)
            return {prop.field: start, end_field: end}
        if prop.kind == "result":
            value, result = split_result(raw)
            return {"value": value, "result": result}
        return {prop.field: raw}
    except ValueProblem as exc:
        raise _invalid(where, str(exc)) from None


def _fields_from(entity: EntityType, data: Any, where: str, *, creating: bool) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _invalid(where or entity.singular, f"expected a JSON object for {entity.singular}")
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for key, raw in data.items():
        prop = entity.property(key)
        if prop is not None:
            try:
                values.update(_stored(prop, raw, f"{where}{key}"))
            except InvalidInput as exc:
                errors.extend(exc.errors)
        elif (
            entity.navigation(key) is None
            and key not in ("@iot.id", "@iot.selfLink", "id")
            and not key.endswith("@iot.navigationLink")
        ):
            errors.append(FieldError(f"{where}{key}", f"{entity.singular} has no such property"))
    if creating:
        for prop in entity.properties:
            if prop.required and prop.name not in data:
                errors.append(FieldError(f"{where}{prop.name}", "this property is required"))
    if errors:
        raise InvalidInput(errors)
    return values


# ---------------------------------------------------------------------------- deep insert


@transaction.atomic
def entity_create(
    *,
    entity: EntityType,
    data: Any,
    actor: Actor,
    parent: Model | None = None,
    navigation: str | None = None,
) -> Model:
    """Create one entity with everything given inline (deep insert); `{"@iot.id": n}` links
    an existing entity instead. `parent`/`navigation` say it was posted to a collection such
    as `Datastreams(1)/Observations`, which links it to that Datastream."""
    _require_writer(actor)
    if parent is not None and navigation is not None:
        if not isinstance(data, dict):
            raise _invalid(entity.singular, f"expected a JSON object for {entity.singular}")
        owner = next(t for t in ENTITY_SETS.values() if isinstance(parent, MODELS[t.set_name]))
        nav = owner.navigation(navigation)
        assert nav is not None
        link = {"@iot.id": parent.pk}
        back = entity.navigation(nav.inverse)
        assert back is not None
        data = {**data, nav.inverse: [link] if back.many else link}
    return _create(entity, data, "")


def _create(entity: EntityType, data: Any, where: str, **given: Model) -> Model:
    errors: list[FieldError] = []
    try:
        values = _fields_from(entity, data, where, creating=True)
    except InvalidInput as exc:
        if not isinstance(data, dict):
            raise
        values, errors = {}, list(exc.errors)
    many: list[tuple[Navigation, Any]] = []
    for nav in entity.navigations:
        if nav.many:
            if nav.name in data:
                many.append((nav, data[nav.name]))
            continue
        if nav.accessor in given:
            values[nav.accessor] = given[nav.accessor]
        elif nav.name in data:
            try:
                values[nav.accessor] = _link_or_create(
                    ENTITY_SETS[nav.target], data[nav.name], f"{where}{nav.name}"
                )
            except InvalidInput as exc:
                errors.extend(exc.errors)
        elif nav.required:
            errors.append(FieldError(f"{where}{nav.name}", "link or create this entity"))
    if errors:
        raise InvalidInput(errors)
    if entity.set_name == "Observations":
        return _observation_create(values, where)
    instance = MODELS[entity.set_name]._default_manager.create(**values)
    for nav, items in many:
        _create_related(instance, entity, nav, items, f"{where}{nav.name}")
    if entity.set_name == "Things" and any(nav.name == "Locations" for nav, _ in many):
        _record_location(instance)  # type: ignore[arg-type]
    if entity.set_name == "Locations":
        for thing in instance.things.all():  # type: ignore[attr-defined]
            _record_location(thing)
    return instance


def _observation_create(values: dict[str, Any], where: str) -> Observation:
    """One Observation, stored as the bulk path stores readings (checked, once, with rules)."""
    feature = values.get("feature_of_interest")
    row = ObservationRow(
        phenomenon_time=values.get("phenomenon_time") or clock.now(),
        phenomenon_time_end=values.get("phenomenon_time_end"),
        result=joined_result(values.get("value"), values.get("result")),
        result_time=values.get("result_time"),
        feature_of_interest_id=feature.pk if feature is not None else None,
        result_quality=values.get("result_quality"),
        valid_time_start=values.get("valid_time_start"),
        valid_time_end=values.get("valid_time_end"),
        parameters=values.get("parameters"),
    )
    written = _store(values["datastream"], [row], where)
    problem = written.problems[0]
    if problem is not None:
        raise _invalid(where + ("result" if problem.kind == "result" else "phenomenonTime"),
                       problem.reason)  # fmt: skip
    stored = written.ids[0]
    assert stored is not None
    return Observation.objects.get(pk=stored)


def _create_related(
    instance: Model, entity: EntityType, nav: Navigation, items: Any, where: str
) -> None:
    if not isinstance(items, list):
        raise _invalid(where, "expected a JSON array")
    target = ENTITY_SETS[nav.target]
    back = target.navigation(nav.inverse)
    assert back is not None
    for position, item in enumerate(items):
        place = f"{where}[{position}]."
        if back.many:  # many-to-many: link or create, then add
            related = _link_or_create(target, item, place.rstrip("."))
            getattr(instance, nav.accessor).add(related)
        elif _is_link(item):
            raise _invalid(place + "@iot.id", f"a {target.singular} cannot be moved by linking")
        else:
            _create(target, item, place, **{back.accessor: instance})


def _is_link(data: Any) -> bool:
    """An object with an `@iot.id` names an existing entity; like FROST, the other members
    (clients such as frost_sta_client send the entity they read) are ignored."""
    return isinstance(data, dict) and "@iot.id" in data


def _link_or_create(entity: EntityType, data: Any, where: str) -> Model:
    if _is_link(data):
        pk = data["@iot.id"]
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise _invalid(f"{where}.@iot.id", "expected a whole number")
        found = MODELS[entity.set_name]._default_manager.filter(pk=pk).first()
        if found is None:
            raise _invalid(f"{where}.@iot.id", f"no {entity.singular} with @iot.id {pk}")
        return found
    return _create(entity, data, f"{where}." if where else "")


def _record_location(thing: Thing) -> None:
    """The spec keeps a HistoricalLocation each time a Thing's Locations change."""
    history = HistoricalLocation.objects.create(thing=thing, time=clock.now())
    history.locations.set(thing.locations.all())


def _default_feature(datastream: Datastream, where: str) -> FeatureOfInterest:
    """The spec's default FeatureOfInterest: the one made from the Thing's Location."""
    location: Location | None = datastream.thing.locations.order_by("pk").first()
    if location is None:
        raise _invalid(
            f"{where}FeatureOfInterest",
            "give a FeatureOfInterest: the Datastream's Thing has no Location to use",
        )
    feature = FeatureOfInterest.objects.filter(from_location=location).first()
    if feature is None:
        feature = FeatureOfInterest.objects.create(
            name=location.name,
            description=location.description,
            encoding_type=location.encoding_type,
            feature=location.location,
            from_location=location,
        )
    return feature


# ---------------------------------------------------------------------------- updates


@transaction.atomic
def entity_update(*, entity: EntityType, instance: Model, data: Any, actor: Actor) -> Model:
    """Merge `data` into the entity (HTTP PATCH); to-one navigation may be relinked."""
    _require_writer(actor)
    instance = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    values = _fields_from(entity, data, "", creating=False)
    for prop in entity.properties:
        if prop.required and prop.name in data and data[prop.name] is None:
            raise _invalid(prop.name, "this property is required")
    for nav in entity.navigations:
        if nav.name not in data:
            continue
        if nav.many:
            if nav.name != "Locations" or entity.set_name != "Things":
                raise _invalid(nav.name, "change this link from the other entity")
            locations = [
                _link_or_create(ENTITY_SETS["Locations"], item, f"Locations[{i}]")
                for i, item in enumerate(_as_list(data[nav.name], nav.name))
            ]
            instance.locations.set(locations)  # type: ignore[attr-defined]
            _record_location(instance)  # type: ignore[arg-type]
        else:
            values[nav.accessor] = _link_or_create(
                ENTITY_SETS[nav.target], data[nav.name], nav.name
            )
    for name, value in values.items():
        setattr(instance, name, value)
    if isinstance(instance, Observation):
        _check_observation(instance)
    if values:
        instance.save(update_fields=[_column(instance, name) for name in values])
    return instance


def _check_observation(observation: Observation) -> None:
    """A changed Observation keeps a result its Datastream allows and its own moment."""
    datastream = observation.datastream
    result = joined_result(observation.value, observation.result)
    reason = result_problem(datastream.observation_type, result)
    if reason is not None:
        raise _invalid("result", reason)
    twin = Observation.objects.filter(
        datastream_id=datastream.pk,
        feature_of_interest_id=observation.feature_of_interest_id,
        phenomenon_time=observation.phenomenon_time,
    ).exclude(pk=observation.pk)
    if twin.exists():
        when = format_time(observation.phenomenon_time)
        raise _invalid("phenomenonTime", f"another Observation for {when} is already stored")
    _widen_times(datastream, [ObservationRow(observation.phenomenon_time, result,
                                             observation.phenomenon_time_end,
                                             observation.result_time)])  # fmt: skip


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid(where, "expected a JSON array")
    return value


def _column(instance: Model, name: str) -> str:
    return instance._meta.get_field(name).name


@transaction.atomic
def entity_json_patch(
    *, entity: EntityType, instance: Model, operations: Any, actor: Actor
) -> Model:
    """Apply an RFC 6902 JSON Patch to the entity's properties."""
    from publica.sensors.representation import property_value

    _require_writer(actor)
    document = {prop.name: property_value(instance, prop) for prop in entity.properties}
    try:
        patched = jsonpatch.JsonPatch(operations).apply(document)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise _invalid("(patch)", str(exc)) from None
    except (TypeError, AttributeError, KeyError, ValueError):
        raise _invalid("(patch)", "expected a JSON array of RFC 6902 operations") from None
    changed = {key: value for key, value in patched.items() if document.get(key) != value}
    removed = set(document) - set(patched)
    changed.update({key: None for key in removed})
    return entity_update(entity=entity, instance=instance, data=changed, actor=actor)


@transaction.atomic
def entity_delete(*, instance: Model, actor: Actor) -> None:
    """Delete the entity and, as the spec says, what cannot exist without it."""
    _require_writer(actor)
    instance.delete()


# ---------------------------------------------------------------------------- bulk observations


class ObservationRow(NamedTuple):
    """One reading to insert in bulk; `result` may be any JSON value. (A tuple: ingestion makes
    tens of thousands a second, and a frozen dataclass costs several times more to make.)"""

    phenomenon_time: datetime
    result: Any
    phenomenon_time_end: datetime | None = None
    result_time: datetime | None = None
    feature_of_interest_id: int | None = None
    result_quality: Any = None
    valid_time_start: datetime | None = None
    valid_time_end: datetime | None = None
    parameters: dict[str, Any] | None = None


@dataclass(frozen=True)
class Refused:
    """Why one reading was not stored: `kind` is "result" (a type the Datastream's
    observationType does not allow) or "conflict" (another result for the same time)."""

    kind: str
    reason: str


@dataclass(frozen=True)
class Written:
    """What became of each row given to `observations_create`, in the rows' order."""

    #: The new Observation's id; for a duplicate, the id of the one already stored; else None.
    ids: list[int | None]
    #: Why a row was refused, else None.
    problems: list[Refused | None]
    created: int
    duplicates: int


@transaction.atomic
def observations_create(
    *, datastream: Datastream, rows: Sequence[ObservationRow], actor: Actor
) -> Written:
    """Store readings of one Datastream, in any order, each once.

    A reading equal to one already stored (same FeatureOfInterest, phenomenonTime and result)
    is a duplicate, as a resent MQTT message or a retried POST is: it is not stored again and
    its id is given back. A different result for the same feature and time is a conflict, and
    a result the Datastream's observationType does not allow is refused; both are reported per
    row. Readings older than the Datastream's latest are stored in their place but only newer
    ones can fire or calm a rule. Rows without a FeatureOfInterest get the Thing's default one.
    """
    _require_writer(actor)
    return _store(datastream, rows, "")


def _store(datastream: Datastream, rows: Sequence[ObservationRow], where: str) -> Written:
    problems: list[Refused | None] = [
        None if (reason := result_problem(datastream.observation_type, row.result)) is None
        else Refused("result", reason)
        for row in rows
    ]  # fmt: skip
    accepted = [i for i, problem in enumerate(problems) if problem is None]
    ids: list[int | None] = [None] * len(rows)
    if not accepted:
        return Written(ids, problems, created=0, duplicates=0)
    # Writers of one Datastream take turns (the row lock), so the duplicate check below holds.
    list(Datastream.objects.select_for_update().filter(pk=datastream.pk).values_list("pk"))
    default_feature: int | None = None
    if any(rows[i].feature_of_interest_id is None for i in accepted):
        default_feature = _default_feature(datastream, where).pk
    earliest = min(rows[i].phenomenon_time for i in accepted)
    latest = max(rows[i].phenomenon_time for i in accepted)
    stored = Observation.objects.filter(datastream_id=datastream.pk)
    known: dict[tuple[int, datetime], tuple[int | None, Any]] = {
        (feature, time): (pk, joined_result(value, result))
        for feature, time, pk, value, result in stored.filter(
            phenomenon_time__range=(earliest, latest)
        ).values_list("feature_of_interest_id", "phenomenon_time", "pk", "value", "result")
    }
    watched = alarms_watch(datastream)
    newest_before = stored.aggregate(newest=Max("phenomenon_time"))["newest"] if watched else None
    fresh: list[tuple[int, tuple[int, datetime], float | None]] = []  # row, key, number
    twins: list[tuple[int, tuple[int, datetime]]] = []  # duplicates of a row in this batch
    values: list[tuple[Any, ...]] = []
    duplicates = 0
    for i in accepted:
        row = rows[i]
        key = (row.feature_of_interest_id or default_feature or 0, row.phenomenon_time)
        if key in known:
            pk, result = known[key]
            if result == row.result:
                duplicates += 1
                ids[i] = pk
                if pk is None:
                    twins.append((i, key))
            else:
                when = format_time(row.phenomenon_time)
                problems[i] = Refused(
                    "conflict", f"an Observation for {when} with another result is already stored"
                )
            continue
        known[key] = (None, row.result)
        number, result = split_result(row.result)
        fresh.append((i, key, number))
        values.append(
            (datastream.pk, key[0], row.phenomenon_time, row.phenomenon_time_end,
             row.result_time, number, result, row.result_quality, row.valid_time_start,
             row.valid_time_end, row.parameters)
        )  # fmt: skip
    inserted: dict[tuple[int, datetime], int] = {}
    for (i, key, _), pk in zip(fresh, insert_observations(values), strict=True):
        ids[i] = inserted[key] = pk
    for i, key in twins:
        ids[i] = inserted[key]
    if fresh:
        _widen_times(datastream, [rows[i] for i, _, _ in fresh])
    if fresh and watched:
        alarms_evaluate(
            datastream=datastream,
            readings=[
                NewReading(inserted[key], key[1], number)
                for _, key, number in fresh
                if number is not None and (newest_before is None or key[1] > newest_before)
            ],
        )
    return Written(ids, problems, created=len(fresh), duplicates=duplicates)


def _widen_times(datastream: Datastream, rows: Sequence[ObservationRow]) -> None:
    """Keep the Datastream's phenomenonTime and resultTime the span of its Observations."""
    starts = [row.phenomenon_time for row in rows]
    ends = [row.phenomenon_time_end or row.phenomenon_time for row in rows]
    results = [row.result_time for row in rows if row.result_time is not None]
    changes: dict[str, Any] = {
        "phenomenon_time_start": Least(Coalesce("phenomenon_time_start", Value(min(starts))),
                                       Value(min(starts))),
        "phenomenon_time_end": Greatest(Coalesce("phenomenon_time_end", Value(max(ends))),
                                        Value(max(ends))),
    }  # fmt: skip
    if results:
        changes["result_time_start"] = Least(
            Coalesce("result_time_start", Value(min(results))), Value(min(results))
        )
        changes["result_time_end"] = Greatest(
            Coalesce("result_time_end", Value(max(results))), Value(max(results))
        )
    Datastream.objects.filter(pk=datastream.pk).update(**changes)


_COMPONENTS = {
    "phenomenonTime",
    "resultTime",
    "result",
    "resultQuality",
    "parameters",
    "FeatureOfInterest/id",
}


def observations_create_from_data_arrays(*, payload: Any, actor: Actor) -> list[int | None]:
    """The dataArray extension: for each row, the new Observation's id, or None for a row
    that could not be read (the caller answers "error" for it)."""
    _require_writer(actor)
    if not isinstance(payload, list):
        raise _invalid("(body)", "expected a JSON array of {Datastream, components, dataArray}")
    batches: list[tuple[Datastream, list[ObservationRow | None]]] = []
    for position, item in enumerate(payload):
        where = f"[{position}]"
        if not isinstance(item, dict):
            raise _invalid(where, "expected a JSON object")
        datastream = _link_or_create_datastream(item.get("Datastream"), f"{where}.Datastream")
        components = item.get("components")
        if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
            raise _invalid(f"{where}.components", "expected a JSON array of property names")
        unknown = [c for c in components if c not in _COMPONENTS]
        if unknown:
            raise _invalid(f"{where}.components", f"unknown component(s) {', '.join(unknown)}")
        if "result" not in components:
            raise _invalid(f"{where}.components", "result is required")
        data = item.get("dataArray")
        if not isinstance(data, list):
            raise _invalid(f"{where}.dataArray", "expected a JSON array of rows")
        batches.append((datastream, [_row(components, values) for values in data]))
    ids: list[int | None] = []
    with transaction.atomic():
        for datastream, rows in batches:
            good = [row for row in rows if row is not None]
            if any(row.feature_of_interest_id is not None for row in good):
                _check_features({row.feature_of_interest_id for row in good})
            written = iter(observations_create(datastream=datastream, rows=good, actor=actor).ids)
            ids.extend(None if row is None else next(written) for row in rows)
    return ids


def _link_or_create_datastream(value: Any, where: str) -> Datastream:
    if not _is_link(value):
        raise _invalid(where, 'expected {"@iot.id": <id of a Datastream>}')
    found = _link_or_create(ENTITY_SETS["Datastreams"], value, where)
    assert isinstance(found, Datastream)
    return found


def _check_features(ids: set[int | None]) -> None:
    wanted = {pk for pk in ids if pk is not None}
    known = set(FeatureOfInterest.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - known:
        missing = ", ".join(str(pk) for pk in sorted(wanted - known))
        raise _invalid("FeatureOfInterest/id", f"no FeatureOfInterest with @iot.id {missing}")


def _row(components: list[str], values: Any) -> ObservationRow | None:
    if not isinstance(values, list) or len(values) != len(components):
        return None
    given = dict(zip(components, values, strict=True))
    try:
        start, end = (
            parse_interval(given["phenomenonTime"])
            if "phenomenonTime" in given
            else (
                clock.now(),
                None,
            )
        )
        result_time = given.get("resultTime")
        feature = given.get("FeatureOfInterest/id")
        if feature is not None and (not isinstance(feature, int) or isinstance(feature, bool)):
            return None
        parameters = given.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            return None
        return ObservationRow(
            phenomenon_time=start,
            phenomenon_time_end=end,
            result=given["result"],
            result_time=None if result_time is None else parse_time(result_time),
            feature_of_interest_id=feature,
            result_quality=given.get("resultQuality"),
            parameters=parameters,
        )
    except ValueProblem:
        return None


#: Who may choose which readings are published as open data.
PUBLISHERS = frozenset({"supervisor", "admin"})


@transaction.atomic
def datastream_set_public(*, datastream: Datastream, public: bool, actor: Actor) -> Datastream:
    """Publish a Datastream's readings as open data (the sensor-readings dataset), or stop.
    Readings about places are public by nature; the council decides per Datastream, since a
    sensor in someone's home or on a staff vehicle would say where a person is."""
    if not isinstance(actor, SystemActor) and str(getattr(actor, "role", "")) not in PUBLISHERS:
        raise PermissionDenied("only a supervisor or an admin may publish sensor readings")
    datastream = Datastream.objects.select_for_update().get(pk=datastream.pk)
    if datastream.public != public:
        datastream.public = public
        datastream.save(update_fields=["public"])
    return datastream
