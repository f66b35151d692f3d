"""The Solr query subset CKAN clients send in `q` and `fq`: parsed into a small tree and
matched against package documents in memory, with no Django and no database.

A council publishes tens of datasets, so searching their documents in Python is faster than
any index would be, and a query can never reach SQL. What is understood: terms and wildcard
terms (`flood*`), quoted phrases, `field:value`, `field:"phrase"`, `field:(a OR b)`, ranges
`field:[a TO b]` / `{a TO b}` with `*` for an open end (dates may use `NOW`, `NOW-7DAYS`,
`NOW/DAY`), `field:*`, `*:*`, `AND`/`OR`/`NOT` (and `&&`, `||`, `!`), `+`/`-`, parentheses and
boosts (`^2`, accepted and ignored). Juxtaposed clauses are ANDed, as CKAN asks Solr to do.
Anything else is a `QueryError` that names the problem.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "FieldType",
    "Node",
    "QueryError",
    "Schema",
    "matches",
    "parse",
    "parse_datetime",
    "score",
    "tokens",
]

#: How a document field is compared: `text` is split into words (case-insensitive, plurals
#: folded), `string` is compared whole, `date` and `int` by value.
FieldType = Literal["text", "string", "date", "int"]

#: A document: each field's values (a field may hold several, like tags).
Document = Mapping[str, list[str | int | dt.datetime]]

# Deeper nesting than this is not a search anyone writes; refusing it keeps recursion bounded.
MAX_DEPTH = 32
MAX_LENGTH = 4000


class QueryError(ValueError):
    """The query cannot be parsed, or names a field the catalogue does not have."""


@dataclass(frozen=True)
class Schema:
    """The fields a query may name. `default` are the fields a bare term searches;
    a name starting with one of `dynamic`'s prefixes has that prefix's type."""

    fields: Mapping[str, FieldType]
    default: tuple[str, ...]
    dynamic: Mapping[str, FieldType] = field(default_factory=dict)

    def type_of(self, name: str) -> FieldType:
        if name in self.fields:
            return self.fields[name]
        for prefix, kind in self.dynamic.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                return kind
        raise QueryError(f"unknown field {name!r}")


# The tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class Term:
    """A word, a wildcard word, or (`phrase`) a quoted run of words. `field` None means
    the schema's default fields."""

    field: str | None
    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None
    high: str | None
    include_low: bool
    include_high: bool


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = MatchAll | Term | Exists | Range | Not | And | Or


# Lexing ---------------------------------------------------------------------------------

_SPECIAL = set('()[]{}"^~:\\') | {" ", "\t", "\n", "\r"}
_OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "&&": "AND", "||": "OR"}


@dataclass(frozen=True)
class _Token:
    kind: str  # TERM FIELD PHRASE RANGE ( ) AND OR NOT + - BOOST
    text: str = ""
    position: int = 0
    extra: tuple[str | None, str | None, bool, bool] | None = None


def _lex(source: str) -> list[_Token]:
    found: list[_Token] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char.isspace():
            index += 1
        elif char in "()":
            found.append(_Token(char, char, index))
            index += 1
        elif char in "+-!":
            # Only where a clause begins: inside a word (service-requests) the term reader
            # keeps them, as Lucene does.
            kind = "NOT" if char == "!" else char
            found.append(_Token(kind, char, index))
            index += 1
        elif char == '"':
            text, index = _read_phrase(source, index)
            found.append(_Token("PHRASE", text, index))
        elif char in "[{":
            bounds, index = _read_range(source, index)
            found.append(_Token("RANGE", "", index, bounds))
        elif char == "^":
            match = re.match(r"\^\d+(\.\d+)?", source[index:])
            if not match or not found or found[-1].kind not in ("TERM", "PHRASE", ")", "RANGE"):
                raise QueryError(f"a boost (^) must follow a term, at position {index}")
            index += match.end()
        elif char == "~":
            raise QueryError("fuzzy and proximity searches (~) are not supported")
        elif char in ")]}":
            raise QueryError(f"unexpected {char!r} at position {index}")
        else:
            text, index = _read_term(source, index)
            if index < len(source) and source[index] == ":":
                found.append(_Token("FIELD", text, index))
                index += 1
            elif text in _OPERATORS:
                found.append(_Token(_OPERATORS[text], text, index))
            else:
                found.append(_Token("TERM", text, index))
    return found


def _read_term(source: str, index: int) -> tuple[str, int]:
    out: list[str] = []
    start = index
    while index < len(source):
        char = source[index]
        if char == "\\":
            if index + 1 >= len(source):
                raise QueryError("a query cannot end with a backslash")
            out.append(source[index + 1])
            index += 2
            continue
        if char in _SPECIAL or char.isspace():
            break
        out.append(char)
        index += 1
    if index == start:
        raise QueryError(f"expected a term at position {start}")
    return "".join(out), index


def _read_phrase(source: str, index: int) -> tuple[str, int]:
    out: list[str] = []
    start = index
    index += 1
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            out.append(source[index + 1])
            index += 2
            continue
        if char == '"':
            return "".join(out), index + 1
        out.append(char)
        index += 1
    raise QueryError(f"the quote at position {start} is not closed")


def _read_range(source: str, index: int) -> tuple[tuple[str | None, str | None, bool, bool], int]:
    start = index
    include_low = source[index] == "["
    index += 1
    parts: list[str] = []
    while True:
        while index < len(source) and source[index].isspace():
            index += 1
        if index >= len(source):
            raise QueryError(f"the range at position {start} is not closed")
        char = source[index]
        if char in "]}":
            include_high = char == "]"
            index += 1
            break
        if char == '"':
            text, index = _read_phrase(source, index)
            parts.append(text)
            continue
        begin = index
        while index < len(source) and not source[index].isspace() and source[index] not in "]}":
            index += 1
        parts.append(source[begin:index])
    if len(parts) != 3 or parts[1] != "TO":
        raise QueryError(f"a range is written [low TO high], at position {start}")
    low, high = (None if part == "*" else part for part in (parts[0], parts[2]))
    return (low, high, include_low, include_high), index


# Parsing --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, found: list[_Token], schema: Schema) -> None:
        self.found = found
        self.at = 0
        self.schema = schema

    def peek(self) -> _Token | None:
        return self.found[self.at] if self.at < len(self.found) else None

    def take(self) -> _Token:
        token = self.found[self.at]
        self.at += 1
        return token

    def expression(self, field: str | None, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise QueryError(f"the query is nested more than {MAX_DEPTH} deep")
        alternatives = [self.conjunction(field, depth)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            alternatives.append(self.conjunction(field, depth))
        return alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives))

    def conjunction(self, field: str | None, depth: int) -> Node:
        required = [self.unary(field, depth)]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.take()
            required.append(self.unary(field, depth))
        return required[0] if len(required) == 1 else And(tuple(required))

    def unary(self, field: str | None, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError("the query ends where a term was expected")
        if depth > MAX_DEPTH:
            raise QueryError(f"the query is nested more than {MAX_DEPTH} deep")
        if token.kind in ("NOT", "-"):
            self.take()
            return Not(self.unary(field, depth + 1))
        if token.kind == "+":
            self.take()
            return self.unary(field, depth + 1)
        return self.primary(field, depth)

    def primary(self, field: str | None, depth: int) -> Node:
        token = self.take()
        if token.kind == "(":
            inner = self.expression(field, depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(f"the parenthesis at position {token.position} is not closed")
            self.take()
            return inner
        if token.kind == "FIELD":
            if field is not None:
                raise QueryError(f"a field inside {field}:(…) at position {token.position}")
            return self.fielded(token, depth)
        if token.kind == "TERM":
            return self.term(field, token.text)
        if token.kind == "PHRASE":
            return self.phrase(field, token.text)
        if token.kind == "RANGE":
            if field is None:
                raise QueryError("a range needs a field, like metadata_modified:[a TO b]")
            return self.range(field, token)
        raise QueryError(f"unexpected {token.text!r} at position {token.position}")

    def fielded(self, token: _Token, depth: int) -> Node:
        name = token.text
        value = self.peek()
        if value is None:
            raise QueryError(f"field {name!r} has no value")
        if name == "*":
            self.take()
            if value.kind == "TERM" and value.text == "*":
                return MatchAll()
            raise QueryError("only *:* may use * as a field")
        self.schema.type_of(name)
        self.take()
        if value.kind == "(":
            inner = self.expression(name, depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(f"the parenthesis after {name}: is not closed")
            self.take()
            return inner
        if value.kind == "TERM":
            return Exists(name) if value.text == "*" else self.term(name, value.text)
        if value.kind == "PHRASE":
            return self.phrase(name, value.text)
        if value.kind == "RANGE":
            return self.range(name, value)
        raise QueryError(f"field {name!r} has no value")

    def range(self, name: str, token: _Token) -> Node:
        assert token.extra is not None
        low, high, include_low, include_high = token.extra
        _check_bound(self.schema.type_of(name), low)
        _check_bound(self.schema.type_of(name), high)
        return Range(name, low, high, include_low, include_high)

    def term(self, field: str | None, text: str) -> Node:
        if field is None and text == "*":
            return MatchAll()
        if field is not None:
            _check_bound(self.schema.type_of(field), text)
        return Term(field, text)

    def phrase(self, field: str | None, text: str) -> Node:
        if field is not None:
            _check_bound(self.schema.type_of(field), text)
        return Term(field, text, phrase=True)


def _check_bound(kind: FieldType, value: str | None) -> None:
    """Dates and numbers are checked as the query is parsed, so a bad one is an error
    rather than a search that silently matches nothing."""
    if value is None:
        return
    if kind == "date":
        parse_datetime(value, now=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    elif kind == "int":
        try:
            int(value)
        except ValueError:
            raise QueryError(f"{value!r} is not a whole number") from None


def parse(source: str, schema: Schema) -> Node:
    """The query's tree; an empty query matches everything. Raises QueryError."""
    if not isinstance(source, str):
        raise QueryError("a query must be a string")
    if len(source) > MAX_LENGTH:
        raise QueryError(f"the query is longer than {MAX_LENGTH} characters")
    found = _lex(source)
    if not found:
        return MatchAll()
    parser = _Parser(found, schema)
    node = parser.expression(None, 0)
    if parser.peek() is not None:
        token = parser.take()
        raise QueryError(f"unexpected {token.text!r} at position {token.position}")
    return node


# Dates ----------------------------------------------------------------------------------

_DATE_MATH = re.compile(r"([+-]\d+)(YEAR|MONTH|WEEK|DAY|HOUR|MINUTE|SECOND)S?|/(DAY|HOUR|MINUTE)")
_UNITS = {
    "WEEK": dt.timedelta(weeks=1),
    "DAY": dt.timedelta(days=1),
    "HOUR": dt.timedelta(hours=1),
    "MINUTE": dt.timedelta(minutes=1),
    "SECOND": dt.timedelta(seconds=1),
}


def parse_datetime(value: str, *, now: dt.datetime) -> dt.datetime:
    """A Solr date (`2026-01-01T00:00:00Z`, fractions allowed; a bare date means its
    midnight) or date math from `NOW`, as an aware UTC datetime."""
    if value.startswith("NOW"):
        return _date_math(value, now)
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{value!r} is not a date like 2026-01-31T00:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _date_math(value: str, now: dt.datetime) -> dt.datetime:
    moment = now.astimezone(dt.UTC)
    rest = value[3:]
    while rest:
        match = _DATE_MATH.match(rest)
        if not match:
            raise QueryError(f"{value!r}: date math is NOW, NOW-7DAYS, NOW/DAY and the like")
        amount, unit, rounding = match.groups()
        moment = _round_down(moment, rounding) if rounding else _shift(moment, amount, unit)
        rest = rest[match.end() :]
    return moment


def _shift(moment: dt.datetime, amount: str, unit: str) -> dt.datetime:
    try:
        if unit in ("YEAR", "MONTH"):
            return _add_months(moment, int(amount) * (12 if unit == "YEAR" else 1))
        return moment + int(amount) * _UNITS[unit]
    except (OverflowError, ValueError):
        raise QueryError("date math goes outside the years 1 to 9999") from None


def _round_down(moment: dt.datetime, unit: str) -> dt.datetime:
    moment = moment.replace(second=0, microsecond=0)
    if unit in ("HOUR", "DAY"):
        moment = moment.replace(minute=0)
    if unit == "DAY":
        moment = moment.replace(hour=0)
    return moment


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise QueryError("date math goes outside the years 1 to 9999")
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month + 1, day=day)


# Matching -------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def _stem(word: str) -> str:
    # Enough folding that "request" finds "requests" and "service" finds "services",
    # as CKAN's English-stemmed text field would.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The words of a text field, lowercased and folded."""
    return [_stem(word) for word in _WORD.findall(text.lower())]


def matches(node: Node, document: Document, schema: Schema, *, now: dt.datetime) -> bool:
    """Whether the document satisfies the query."""
    return _Matcher(document, schema, now).visit(node)


def score(node: Node, document: Document, schema: Schema) -> int:
    """How many of the query's positive terms the document holds: Solr's relevance, roughly."""
    total = 0
    for term in _positive_terms(node):
        fields = schema.default if term.field is None else (term.field,)
        for name in fields:
            if schema.type_of(name) == "text":
                words = [word for value in document.get(name, []) for word in tokens(str(value))]
                total += sum(1 for word in words if word in tokens(term.text))
    return total


def _positive_terms(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from _positive_terms(child)


class _Matcher:
    def __init__(self, document: Document, schema: Schema, now: dt.datetime) -> None:
        self.document = document
        self.schema = schema
        self.now = now

    def visit(self, node: Node) -> bool:
        if isinstance(node, MatchAll):
            return True
        if isinstance(node, And):
            return all(self.visit(child) for child in node.nodes)
        if isinstance(node, Or):
            return any(self.visit(child) for child in node.nodes)
        if isinstance(node, Not):
            return not self.visit(node.node)
        if isinstance(node, Exists):
            return any(value not in ("", None) for value in self.document.get(node.field, []))
        if isinstance(node, Range):
            return self.in_range(node)
        fields = self.schema.default if node.field is None else (node.field,)
        return any(self.term_in(name, node) for name in fields)

    def term_in(self, name: str, term: Term) -> bool:
        kind = self.schema.type_of(name)
        values = self.document.get(name, [])
        if kind == "text":
            return any(_text_has(str(value), term) for value in values)
        if kind == "string":
            return any(_string_is(str(value), term) for value in values)
        return self.in_range(Range(name, term.text, term.text, True, True))

    def in_range(self, node: Range) -> bool:
        kind = self.schema.type_of(node.field)
        convert = self._converter(kind)
        low = None if node.low is None else convert(node.low)
        high = None if node.high is None else convert(node.high)
        for stored in self.document.get(node.field, []):
            value = stored if kind in ("date", "int") else convert(str(stored))
            if low is not None and (value < low or (value == low and not node.include_low)):
                continue
            if high is not None and (value > high or (value == high and not node.include_high)):
                continue
            return True
        return False

    def _converter(self, kind: FieldType) -> Callable[[str], Any]:
        if kind == "date":
            return lambda text: parse_datetime(text, now=self.now)
        if kind == "int":
            return int
        if kind == "text":
            return str.lower
        return str


def _text_has(value: str, term: Term) -> bool:
    if not term.phrase and ("*" in term.text or "?" in term.text):
        pattern = term.text.lower()
        return any(fnmatch.fnmatchcase(word, pattern) for word in _WORD.findall(value.lower()))
    wanted = tokens(term.text)
    if not wanted:
        return False
    words = tokens(value)
    width = len(wanted)
    return any(words[start : start + width] == wanted for start in range(len(words) - width + 1))


def _string_is(value: str, term: Term) -> bool:
    if not term.phrase and ("*" in term.text or "?" in term.text):
        return fnmatch.fnmatchcase(value, term.text)
    return value == term.text
