"""Database triggers that keep access records append-only: a record is never deleted and
never changed, except that sealing sets its batch, once; a sealed batch never changes or
goes. (Someone who drops the triggers is caught by `publica exchange verify-access`.)"""

from __future__ import annotations

from publica.core.guards import Guards, Rule

__all__ = ["GUARDS"]

#: Every column of an access record but its batch. A column added to the model is added here
#: too (and the guards installed again by its migration), or it could be changed unseen.
RECORD_COLUMNS = (
    "id", "at", "subject_id", "subject_person_id", "organisation", "department", "actor_kind",
    "actor_id", "actor_label", "register", "data", "categories", "purpose", "basis",
    "basis_detail", "case_id", "without_open_case",
)  # fmt: skip
_RECORD_CHANGED = " OR ".join(
    [
        "OLD.batch_id IS NOT NULL",
        *(f"NEW.{column} {{differs}} OLD.{column}" for column in RECORD_COLUMNS),
    ]
)

GUARDS = Guards(
    prefix="exchange",
    rules=[
        Rule("exchange_accessrecord_kept", "exchange_accessrecord", "DELETE", None,
             "access records are append-only and cannot be deleted"),
        Rule("exchange_accessrecord_fixed", "exchange_accessrecord", "UPDATE", _RECORD_CHANGED,
             "access records are append-only: only the batch of an unsealed record may be set"),
        Rule("exchange_accessbatch_kept", "exchange_accessbatch", "DELETE", None,
             "sealed access batches cannot be deleted"),
        Rule("exchange_accessbatch_fixed", "exchange_accessbatch", "UPDATE", "TRUE",
             "sealed access batches cannot be changed"),
    ],
    tables=("exchange_accessrecord", "exchange_accessbatch"),
    emptied="access records cannot be emptied",
)  # fmt: skip
