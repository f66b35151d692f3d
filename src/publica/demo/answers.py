"""Plausible answers for any service form, made from its JSON Schema, for the demo.

Prefers the schema's own `examples`, then `enum` values, then values of the right type that
respect the schema's bounds. The caller validates the result and asks again when a
conditional rule was missed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from publica.demo.people import CENTRE, STREETS

_PHRASES = [
    "It has been like this for about a week.",
    "Please could someone take a look.",
    "This is causing problems for people walking past.",
    "It is next to the bus stop.",
    "The same thing happened last month.",
]
_STRING_FORMATS = {
    "email": lambda rng: f"person{rng.randrange(1000):03d}@example.org",
    "date": lambda rng: (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(600))).isoformat(),
    "date-time": lambda rng: (
        f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}T10:00:00Z"
    ),
    "uri": lambda rng: "https://example.org/",
}


def fake_answers(rng: random.Random, schema: dict[str, Any], *, everything: bool) -> dict[str, Any]:
    """Answers to every required question and, unless `everything`, to some optional ones."""
    required = set(schema.get("required", []))
    result = {}
    for name, prop in schema.get("properties", {}).items():
        if everything or name in required or rng.random() < 0.6:
            result[name] = _value(rng, name, prop)
    return result


def _value(rng: random.Random, name: str, prop: dict[str, Any]) -> Any:
    if prop.get("examples"):
        return rng.choice(prop["examples"])
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return rng.choice(prop["enum"])
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if name == "location" and kind == "object":
        return _location(rng)
    if kind == "object":
        return fake_answers(rng, prop, everything=True)
    if kind == "array":
        items = prop.get("items", {})
        count = max(prop.get("minItems", 1), 1)
        values = [_value(rng, name, items) for _ in range(count)]
        return list(dict.fromkeys(values)) if prop.get("uniqueItems") else values
    if kind == "boolean":
        return rng.random() < 0.7
    if kind in ("integer", "number"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", 0))
        high = prop.get("maximum", prop.get("exclusiveMaximum", low + 100))
        value = rng.randint(int(low), int(min(high, low + 200)))
        return value if kind == "integer" else float(value)
    return _string(rng, prop)


def _string(rng: random.Random, prop: dict[str, Any]) -> str:
    if prop.get("format") in _STRING_FORMATS:
        return str(_STRING_FORMATS[prop["format"]](rng))
    text = rng.choice(_PHRASES)
    limit = prop.get("maxLength", 2000)
    return text[:limit].ljust(prop.get("minLength", 0), ".")


def _location(rng: random.Random) -> dict[str, Any]:
    latitude = CENTRE[0] + rng.uniform(-0.018, 0.018)
    longitude = CENTRE[1] + rng.uniform(-0.028, 0.028)
    return {
        "latitude": round(latitude, 6),
        "longitude": round(longitude, 6),
        "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}, Millbrook",
    }
