"""Parse the SensorThings query options `$select $expand $orderby $top $skip $count $filter`.

Pure: `$filter` is kept as text here and translated to a database query in `filters.py`;
`$expand` may nest options, `Datastreams($select=name;$top=2;$expand=Observations)`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Expand", "OrderBy", "QueryOptionError", "QueryOptions", "parse_query_options"]

KNOWN = ("$select", "$expand", "$orderby", "$top", "$skip", "$count", "$filter", "$resultFormat")
_NAME = re.compile(r"^(?:@iot\.id|[A-Za-z][A-Za-z]*)(?:/[A-Za-z][A-Za-z]*)*$")


class QueryOptionError(ValueError):
    """A query option is malformed; the message names the option."""


@dataclass(frozen=True)
class OrderBy:
    property: str
    descending: bool = False


@dataclass(frozen=True)
class Expand:
    navigation: str
    options: QueryOptions


@dataclass(frozen=True)
class QueryOptions:
    select: tuple[str, ...] | None = None
    expand: tuple[Expand, ...] = ()
    orderby: tuple[OrderBy, ...] = ()
    top: int | None = None
    skip: int = 0
    count: bool = False
    filter: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


def parse_query_options(params: Mapping[str, str]) -> QueryOptions:
    """Options from a query string's parameters (other parameters are ignored)."""
    return _build({k: v for k, v in params.items() if k.startswith("$")}, "")


def split_top_level(text: str, separator: str) -> list[str]:
    """Split at `separator` outside parentheses and quoted strings."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise QueryOptionError(f"unbalanced ')' in {text!r}")
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth or quoted:
        raise QueryOptionError(f"unbalanced parentheses or quotes in {text!r}")
    parts.append("".join(current))
    return parts


def _build(raw: Mapping[str, str], where: str) -> QueryOptions:
    for key in raw:
        if key not in KNOWN:
            raise QueryOptionError(f"{where}{key}: unknown query option")
    return QueryOptions(
        select=_select(raw["$select"], where) if "$select" in raw else None,
        expand=_expand(raw["$expand"], where) if "$expand" in raw else (),
        orderby=_orderby(raw["$orderby"], where) if "$orderby" in raw else (),
        top=_non_negative(raw, "$top", where),
        skip=_non_negative(raw, "$skip", where) or 0,
        count=_boolean(raw.get("$count", "false"), where),
        filter=raw["$filter"].strip() or None if "$filter" in raw else None,
        extra={k: v for k, v in raw.items() if k == "$resultFormat"},
    )


def _names(text: str, option: str) -> list[str]:
    names = [part.strip() for part in text.split(",")]
    for name in names:
        if not _NAME.match(name):
            raise QueryOptionError(f"{option}: {name!r} is not a property name")
    return names


def _select(text: str, where: str) -> tuple[str, ...]:
    names = _names(text, f"{where}$select")
    return tuple("id" if name == "@iot.id" else name for name in names)


def _orderby(text: str, where: str) -> tuple[OrderBy, ...]:
    order: list[OrderBy] = []
    for part in text.split(","):
        words = part.split()
        if len(words) == 2:
            words[1] = words[1].lower()  # clients send ASC/DESC too
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise QueryOptionError(
                f"{where}$orderby: {part.strip()!r} is not `property [asc|desc]`"
            )
        name = _names(words[0], f"{where}$orderby")[0]
        order.append(OrderBy("id" if name == "@iot.id" else name, words[-1] == "desc"))
    return tuple(order)


def _non_negative(raw: Mapping[str, str], option: str, where: str) -> int | None:
    if option not in raw:
        return None
    text = raw[option].strip()
    if not text.isdecimal():
        raise QueryOptionError(f"{where}{option}: expected a whole number, got {text!r}")
    return int(text)


def _boolean(text: str, where: str) -> bool:
    if text not in ("true", "false"):
        raise QueryOptionError(f"{where}$count: expected true or false, got {text!r}")
    return text == "true"


def _expand(text: str, where: str) -> tuple[Expand, ...]:
    items: list[Expand] = []
    for part in split_top_level(text, ","):
        part = part.strip()
        nested: dict[str, str] = {}
        if "(" in part:
            if not part.endswith(")"):
                raise QueryOptionError(f"{where}$expand: {part!r} must end with ')'")
            part, inner = part[:-1].split("(", 1)
            for option in split_top_level(inner, ";"):
                key, sep, value = option.partition("=")
                if not sep:
                    raise QueryOptionError(f"{where}$expand: {option!r} is not `$option=value`")
                nested[key.strip()] = value
        names = _names(part, f"{where}$expand")[0].split("/")
        # `Datastreams/Observations` is `Datastreams($expand=Observations)`.
        options = _build(nested, f"{where}$expand={names[-1]}: ")
        expand = Expand(names[-1], options)
        for name in reversed(names[:-1]):
            expand = Expand(name, QueryOptions(expand=(expand,)))
        items.append(expand)
    return tuple(items)
