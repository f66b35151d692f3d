"""Review flags for benefit-type applications: explicit checks over recent claims, an anomaly
score, and a reason a caseworker can read for each. Pure: no Django.

A flag asks a person to look at a claim; it never decides one. The checks:

- `shared_details`: the same detail (a bank account, phone, address …) is on more than
  `max_claims` claims in `window_days`, compared after normalising (case, spaces and
  punctuation do not count);
- `many_submissions`: more than `burst_max` claims from one contact (account, email, phone)
  or address in `burst_hours`;
- `anomaly`: an IsolationForest over the service's recent claims finds this one unusual.

The anomaly score sees only numbers derived from the application's own facts (the features):
the service's `features` (amounts such as income or savings, counts, yes/no answers as 1/0),
then how many earlier claims share its details, how many came from the same contact, and how
long since the last related claim. `Rules` refuses any feature or detail whose name, or whose
question, names a protected characteristic (`protected_word`), so none can become one.
Reasons name other claims by reference only, never the shared detail itself.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CHECKS",
    "CONFIG_SCHEMA",
    "DERIVED_FEATURES",
    "Claim",
    "Finding",
    "ProtectedCharacteristic",
    "Review",
    "Rules",
    "anomaly",
    "claim_from",
    "config_problems",
    "many_submissions",
    "normalise",
    "protected_word",
    "review",
    "shared_details",
    "vectors",
]

CHECKS = ("shared_details", "many_submissions", "anomaly")
#: Numbers every claim gets besides the service's own `features`, in this order.
DERIVED_FEATURES = ("claims_sharing_details", "claims_from_same_contact", "days_since_related")
CONTACT_SOURCES = ("contact.email", "contact.phone")
#: Words naming a protected characteristic (Equality Act 2010: age, disability, gender
#: reassignment, marriage and civil partnership, pregnancy and maternity, race, religion or
#: belief, sex, sexual orientation; and GDPR's special categories), matched as whole words...
_PROTECTED_WORDS = frozenset({
    "age", "aged", "ages", "ageing", "dob", "born", "sex", "race", "racial", "faith",
    "belief", "beliefs", "religion", "religious", "married", "marriage", "widowed", "divorced",
    "pregnant", "maternity", "orientation", "transgender", "caste", "citizenship",
})  # fmt: skip
#: ... and stems matched anywhere, so `dateofbirth` or `ethnicGroup` are caught too.
_PROTECTED_STEMS = ("birth", "ethnic", "religio", "disab", "nationalit", "pregnan", "marital",
                    "gender", "sexual", "civilpartner")  # fmt: skip
_DETAIL_LABELS = {"phone": "phone number", "email": "email address"}
_CONTACT_LABELS = {"account": "account", "email": "email address", "phone": "phone number",
                   "address": "address"}  # fmt: skip
_FEATURE_LABELS = {
    "claims_sharing_details": "the number of recent claims sharing its details",
    "claims_from_same_contact": "the number of recent claims from the same contact",
    "days_since_related": "the time since a related claim",
}

#: The service file's `review_flags` key (docs/service-files.md, "Review flags").
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "checks": {"type": "array", "uniqueItems": True, "items": {"enum": list(CHECKS)}},
        "fields": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        "window_days": {"type": "integer", "minimum": 1, "maximum": 366},
        "max_claims": {"type": "integer", "minimum": 1, "maximum": 1000},
        "burst_hours": {"type": "integer", "minimum": 1, "maximum": 720},
        "burst_max": {"type": "integer", "minimum": 1, "maximum": 1000},
        "features": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "min_claims": {"type": "integer", "minimum": 10, "maximum": 100000},
        "history_days": {"type": "integer", "minimum": 7, "maximum": 3660},
        "contamination": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
    },
}


class ProtectedCharacteristic(ValueError):
    """A feature or detail that names a protected characteristic: never used to flag."""


def protected_word(*texts: str) -> str | None:
    """The protected characteristic a field name or question mentions, if any."""
    for text in texts:
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text or "").lower()
        words = re.findall(r"[a-z]+", spaced)
        for word in words:
            if word in _PROTECTED_WORDS:
                return word
        joined = "".join(words)
        for stem in _PROTECTED_STEMS:
            if stem in joined:
                return stem
    return None


@dataclass(frozen=True)
class Rules:
    """A service's `review_flags`, with defaults; see CONFIG_SCHEMA for each key."""

    fields: Mapping[str, str] = field(default_factory=dict)
    checks: frozenset[str] = frozenset(CHECKS)
    window_days: int = 30
    max_claims: int = 3
    burst_hours: int = 24
    burst_max: int = 3
    features: tuple[str, ...] = ()
    min_claims: int = 30
    history_days: int = 365
    contamination: float = 0.02

    def __post_init__(self) -> None:
        sources = [source.removeprefix("contact.") for source in self.fields.values()]
        for name in (*self.features, *self.fields, *sources):
            word = protected_word(name)
            if word is not None:
                raise ProtectedCharacteristic(
                    f"{name!r} names a protected characteristic ({word}); it is never used to "
                    "flag an application"
                )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Rules:
        known = {key: config[key] for key in CONFIG_SCHEMA["properties"] if key in config}
        if "checks" in known:
            known["checks"] = frozenset(known["checks"])
        if "features" in known:
            known["features"] = tuple(known["features"])
        if "fields" in known:
            known["fields"] = dict(known["fields"])
        return cls(**known)

    @property
    def lookback(self) -> dt.timedelta:
        """How far back the explicit checks and the derived features look."""
        return max(dt.timedelta(days=self.window_days), dt.timedelta(hours=self.burst_hours))

    @property
    def feature_names(self) -> tuple[str, ...]:
        return (*self.features, *DERIVED_FEATURES)


def config_problems(definition: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """What is wrong with a service file's `review_flags`, as (field, message) pairs."""
    config = definition.get("review_flags")
    if config is None:
        return
    if definition["kind"] != "application":
        yield "review_flags", "review flags are for applications (kind: application)"
    properties = definition["form"]["schema"].get("properties", {})
    labels = definition["form"].get("ui", {}).get("fields", {})
    for name, source in config.get("fields", {}).items():
        where = f"review_flags.fields.{name}"
        if source not in properties and source not in CONTACT_SOURCES:
            yield (
                where,
                (
                    f"{source!r} is not a question of form.schema; use one, or "
                    f"{' or '.join(CONTACT_SOURCES)}"
                ),
            )
        word = protected_word(name, source, labels.get(source, {}).get("label", ""))
        if word is not None:
            yield where, f"names a protected characteristic ({word}); never compare it"
    for index, name in enumerate(config.get("features", [])):
        where = f"review_flags.features.{index}"
        kind = properties.get(name, {}).get("type")
        if name not in properties:
            yield where, f"{name!r} is not a question of form.schema"
        elif kind not in ("number", "integer", "boolean"):
            yield where, f"{name!r} is not a number or yes/no question"
        word = protected_word(name, labels.get(name, {}).get("label", ""))
        if word is not None:
            yield (
                where,
                (
                    f"{name!r} names a protected characteristic ({word}), or its question does; "
                    "it may never be a feature"
                ),
            )


def normalise(value: Any, *, phone: bool = False) -> str:
    """A detail as compared: letters and digits only, case-folded; a UK phone number with
    its +44 prefix written as a leading 0, so `+44 7700 900123` matches `07700900123`."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = "".join(character for character in text if character.isalnum())
    if phone and text.startswith("44") and len(text) == 12:
        text = "0" + text[2:]
    return text


@dataclass(frozen=True)
class Claim:
    """One application as the checks see it: normalised details, who sent it, its numbers."""

    reference: str
    submitted_at: dt.datetime
    details: Mapping[str, str] = field(default_factory=dict)
    contacts: frozenset[str] = frozenset()
    numbers: Mapping[str, float] = field(default_factory=dict)

    def related_to(self, other: Claim) -> bool:
        return bool(self.contacts & other.contacts) or self.shares_details(other)

    def shares_details(self, other: Claim) -> bool:
        return any(other.details.get(name) == value for name, value in self.details.items())


def claim_from(
    *,
    reference: str,
    submitted_at: dt.datetime,
    answers: Mapping[str, Any],
    contact: Mapping[str, str],
    applicant_id: int | None,
    rules: Rules,
) -> Claim:
    """A claim from a case's answers and contact details, keeping only what the rules use."""
    details = {}
    for name, source in rules.fields.items():
        raw = contact.get(source[8:]) if source in CONTACT_SOURCES else answers.get(source)
        value = normalise(raw, phone="phone" in name or source == "contact.phone")
        if value:
            details[name] = value
    contacts = {f"account:{applicant_id}"} if applicant_id is not None else set()
    for kind in ("email", "phone"):
        value = normalise(contact.get(kind), phone=kind == "phone")
        if value:
            contacts.add(f"{kind}:{value}")
    if "address" in details:
        contacts.add(f"address:{details['address']}")
    numbers = {name: _number(answers.get(name)) for name in rules.features}
    return Claim(reference, submitted_at, details, frozenset(contacts), numbers)


@dataclass(frozen=True)
class Finding:
    """One reason to look: which check, in words, and the other claims it involves."""

    check: str
    reason: str
    references: tuple[str, ...] = ()


def shared_details(claim: Claim, recent: Iterable[Claim], rules: Rules) -> list[Finding]:
    """A finding for each detail on more than `max_claims` claims in `window_days`."""
    window = _earlier(claim, recent, dt.timedelta(days=rules.window_days))
    findings = []
    for name, value in claim.details.items():
        sharing = [other.reference for other in window if other.details.get(name) == value]
        if len(sharing) + 1 > rules.max_claims:
            label = _DETAIL_LABELS.get(name, name.replace("_", " "))
            findings.append(
                Finding(
                    f"shared_{name}",
                    f"The same {label} is on {_claims(len(sharing), 'other claim')} in the "
                    f"last {rules.window_days} days ({_list(sharing)}).",
                    tuple(sharing),
                )
            )
    return findings


def many_submissions(claim: Claim, recent: Iterable[Claim], rules: Rules) -> list[Finding]:
    """A finding when more than `burst_max` claims came from one contact or address in
    `burst_hours`."""
    window = _earlier(claim, recent, dt.timedelta(hours=rules.burst_hours))
    sharing = [other for other in window if claim.contacts & other.contacts]
    if len(sharing) + 1 <= rules.burst_max:
        return []
    kinds = sorted({c.split(":", 1)[0] for o in sharing for c in claim.contacts & o.contacts})
    same = " or ".join(_CONTACT_LABELS.get(kind, kind) for kind in kinds)
    references = [other.reference for other in sharing]
    return [
        Finding(
            "many_submissions",
            f"{_claims(len(sharing) + 1, 'claim')} came from the same {same} in "
            f"{rules.burst_hours} hours, counting this one ({_list(references)}).",
            tuple(references),
        )
    ]


def vectors(claims: Sequence[Claim], rules: Rules) -> np.ndarray:
    """The feature rows of `claims`, oldest first, each from its own numbers and the claims
    before it: the features of the module docstring, in `rules.feature_names` order."""
    claims = sorted(claims, key=lambda claim: claim.submitted_at)
    times = [claim.submitted_at for claim in claims]
    rows = []
    for index, claim in enumerate(claims):
        start = bisect.bisect_left(times, claim.submitted_at - rules.lookback)
        rows.append(_row(claim, claims[start:index], rules))
    return np.array(rows, dtype=float).reshape(len(rows), len(rules.feature_names))


def vector(claim: Claim, recent: Iterable[Claim], rules: Rules) -> np.ndarray:
    """The feature row of a new claim, from the claims before it."""
    return np.array(_row(claim, _earlier(claim, recent, rules.lookback), rules), dtype=float)


def anomaly(row: np.ndarray, history: np.ndarray, rules: Rules) -> tuple[float, Finding | None]:
    """The claim's anomaly score (0 to 1; above about 0.5 is unusual, near 1 very unusual)
    and a finding when it is among the `contamination` share the forest calls unusual.

    The forest is fitted on the past claims' rows (`history`) together with this claim's:
    a tree only splits within the range of what it was fitted on, so a forest fitted without
    the claim would score one beyond every past claim no higher than the most extreme past
    one. Fitting 100 trees on at most 256 rows each takes a fraction of a second; the fixed
    seed keeps the score reproducible.
    """
    from sklearn.ensemble import IsolationForest  # heavy: imported only when scoring

    rows = np.vstack([history, row.reshape(1, -1)])
    forest = IsolationForest(
        n_estimators=100, contamination=rules.contamination, random_state=0
    ).fit(rows)
    sample = rows[-1:]
    score = round(float(-forest.score_samples(sample)[0]), 3)
    if forest.predict(sample)[0] != -1:
        return score, None
    names = rules.feature_names
    why = "; ".join(_extremes(row, history, names)) or "its combination of answers is rare"
    reason = (
        f"Unusual next to the {len(history)} recent claims of this service "
        f"(anomaly score {score:.2f}): {why}."
    )
    return score, Finding("anomaly", reason)


@dataclass(frozen=True)
class Review:
    """What the checks found about one claim; flagged when anything was found."""

    findings: tuple[Finding, ...]
    anomaly_score: float | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def reasons(self) -> list[str]:
        return [finding.reason for finding in self.findings]

    @property
    def checks(self) -> list[str]:
        """The explicit checks that matched (the anomaly score is kept on its own)."""
        return [finding.check for finding in self.findings if finding.check != "anomaly"]


def review(
    claim: Claim, recent: Sequence[Claim], rules: Rules, history: np.ndarray | None = None
) -> Review:
    """Run the rules' checks on `claim` against the claims before it; the anomaly score only
    with `history`, the rows of the service's past claims (`vectors`)."""
    findings: list[Finding] = []
    if "shared_details" in rules.checks:
        findings += shared_details(claim, recent, rules)
    if "many_submissions" in rules.checks:
        findings += many_submissions(claim, recent, rules)
    score = None
    if history is not None and "anomaly" in rules.checks:
        score, finding = anomaly(vector(claim, recent, rules), history, rules)
        if finding is not None:
            findings.append(finding)
    return Review(tuple(findings), score)


def _row(claim: Claim, earlier: Sequence[Claim], rules: Rules) -> list[float]:
    window = dt.timedelta(days=rules.window_days)
    in_window = [o for o in earlier if claim.submitted_at - o.submitted_at <= window]
    sharing = sum(1 for other in in_window if claim.shares_details(other))
    same_contact = sum(1 for other in in_window if claim.contacts & other.contacts)
    related = [o.submitted_at for o in earlier if claim.related_to(o)]
    lookback = rules.lookback.total_seconds() / 86_400
    since = (claim.submitted_at - max(related)).total_seconds() / 86_400 if related else lookback
    return [
        *(claim.numbers.get(name, 0.0) for name in rules.features),
        float(sharing),
        float(same_contact),
        min(since, lookback),
    ]


def _extremes(row: np.ndarray, history: np.ndarray, names: Sequence[str]) -> Iterator[str]:
    """The features where the claim lies beyond nearly all of the past claims."""
    for index, name in enumerate(names):
        column = history[:, index]
        value = row[index]
        below, above = float(np.mean(column < value)), float(np.mean(column > value))
        label = _FEATURE_LABELS.get(name, name.replace("_", " "))
        if below >= 0.95:
            yield f"{label} is higher than on {_share(below)} of them"
        elif above >= 0.95:
            yield f"{label} is lower than on {_share(above)} of them"


def _earlier(claim: Claim, recent: Iterable[Claim], span: dt.timedelta) -> list[Claim]:
    return [
        other
        for other in recent
        if other.reference != claim.reference
        and claim.submitted_at - span <= other.submitted_at <= claim.submitted_at
    ]


def _number(value: Any) -> float:
    """An answer as a number: yes/no as 1/0, an unanswered question as 0."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return 0.0


def _share(fraction: float) -> str:
    return "all" if fraction >= 1 else f"{int(fraction * 100)}%"


def _claims(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _list(references: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(references[:limit])
    more = len(references) - limit
    return f"{shown} and {more} more" if more > 0 else shown
