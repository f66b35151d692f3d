"""A case's workflow state as Open311 statuses, and back. Pure: no database access.

GeoReport v2 knows two statuses, `open` and `closed`. FixMyStreet's "extended statuses" say
more; Publica derives one from the state's outcome and, for the words a service designer is
likely to use, from the state's name:

- `open`: the case is in its workflow's initial state;
- `action_scheduled`: open, in a state named like *schedul*, *booked* or *planned*;
- `investigating`: open, in a state named like *investigat*, *inspect*, *review*, *check*,
  *assess* or *triage*;
- `internal_referral`: open, in a state named like *referr*;
- `in_progress`: open in any other state;
- `duplicate`: closed in a state named like *duplicate*;
- `not_councils_responsibility`: closed in a state named like *landowner*, *responsib*,
  *private* or *elsewhere*;
- `fixed`: closed with the outcome `resolved`;
- `no_further_action`: closed with the outcome `rejected`;
- `closed`: closed with the outcome `withdrawn` or `approved`.
"""

from __future__ import annotations

from publica.cases.workflow import Workflow

__all__ = ["EXTENDED", "basic", "extended", "parse", "target"]

#: FixMyStreet's extended statuses, as FixMyStreet's own Open311 adapter writes them.
EXTENDED = (
    "open",
    "closed",
    "fixed",
    "in_progress",
    "action_scheduled",
    "investigating",
    "duplicate",
    "not_councils_responsibility",
    "no_further_action",
    "internal_referral",
)
#: Statuses a client may send that name no Publica state: FixMyStreet reopening a report.
_NO_MOVE = ("open", "reopen")
_ALIASES = {"planned": "action_scheduled", "for_triage": "investigating", "reopen": "reopen"}
_Words = tuple[tuple[tuple[str, ...], str], ...]
_OPEN_WORDS: _Words = (
    (("schedul", "booked", "planned"), "action_scheduled"),
    (("investigat", "inspect", "review", "check", "assess", "triage"), "investigating"),
    (("referr",), "internal_referral"),
)
_CLOSED_WORDS: _Words = (
    (("duplicate",), "duplicate"),
    (("landowner", "responsib", "private", "elsewhere"), "not_councils_responsibility"),
)
_BY_OUTCOME = {
    "resolved": "fixed",
    "rejected": "no_further_action",
    "withdrawn": "closed",
    "approved": "closed",
}
#: Which extended statuses of a target state satisfy a status a client sends.
_SATISFIES = {"closed": ("fixed", "closed")}


def basic(*, closed: bool) -> str:
    """The GeoReport v2 status."""
    return "closed" if closed else "open"


def extended(*, state: str, outcome: str, initial: str) -> str:
    """The FixMyStreet extended status of a case in `state` (see the module's table)."""
    words = state.lower()
    if outcome:
        for needles, status in _CLOSED_WORDS:
            if any(needle in words for needle in needles):
                return status
        return _BY_OUTCOME.get(outcome, "closed")
    if state == initial:
        return "open"
    for needles, status in _OPEN_WORDS:
        if any(needle in words for needle in needles):
            return status
    return "in_progress"


def parse(text: str) -> str | None:
    """A status as a client sends it (`FIXED`, `In progress`, `action_scheduled`), or None."""
    name = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    if name in EXTENDED:
        return name
    return _ALIASES.get(name)


def target(workflow: Workflow, state: str, status: str, role: str) -> str | None:
    """The state a case in `state` should move to for `status`, if `role` may take the step.

    None when the case already has that status, when the status names no state (`open`), or
    when no step from here that `role` may take leads to a state with that status.
    """
    if status in _NO_MOVE or _status_of(workflow, state) == status:
        return None
    steps = [
        step.target
        for (source, _), step in workflow.steps.items()
        if source == state and role in step.roles
    ]
    for wanted in _SATISFIES.get(status, (status,)):
        for candidate in steps:
            if _status_of(workflow, candidate) == wanted:
                return candidate
    return None


def _status_of(workflow: Workflow, state: str) -> str:
    return extended(state=state, outcome=workflow.outcomes.get(state, ""), initial=workflow.initial)
