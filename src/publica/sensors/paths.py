"""Parse SensorThings resource paths such as `Things(1)/Datastreams` or `Things(1)/name/$value`.

Pure: the result names entity sets, navigation and properties; checking them against the
data model is `resolve`'s job, so this grammar can be tested without a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PathError", "ResourcePath", "Segment", "parse_path"]

_SEGMENT = re.compile(r"^(?P<name>[A-Z][A-Za-z]*)(?:\((?P<id>\d+|'\d+')\))?$")
_PROPERTY = re.compile(r"^[a-z][A-Za-z]*$")


class PathError(ValueError):
    """The path does not follow the SensorThings resource path grammar."""


@dataclass(frozen=True)
class Segment:
    name: str
    id: int | None = None


@dataclass(frozen=True)
class ResourcePath:
    segments: tuple[Segment, ...]
    property: str | None = None
    value: bool = False  # `/$value`: the property's raw value
    ref: bool = False  # `/$ref`: self links only


def parse_path(text: str) -> ResourcePath:
    parts = text.strip("/").split("/")
    if not parts or not parts[0]:
        raise PathError("the path is empty")
    segments: list[Segment] = []
    prop: str | None = None
    value = ref = False
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if part == "$ref":
            if not last or not segments or prop is not None:
                raise PathError("$ref must follow an entity or collection and end the path")
            ref = True
        elif part == "$value":
            if not last or prop is None:
                raise PathError("$value must follow a property and end the path")
            value = True
        elif prop is not None:
            raise PathError(f"nothing may follow the property {prop!r} but $value")
        elif match := _SEGMENT.match(part):
            raw_id = match["id"]
            segments.append(Segment(match["name"], int(raw_id.strip("'")) if raw_id else None))
        elif _PROPERTY.match(part) and segments:
            prop = part
        else:
            raise PathError(f"{part!r} is not an entity set, navigation property or property")
    return ResourcePath(tuple(segments), prop, value, ref)
