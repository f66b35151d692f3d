"""The datasets this app publishes (see publica.opendata.registry): contracts and tenders, one
row each, read live from the procurement tables. The OCDS packages at /opendata/ocds/ carry
the full detail; these tables are for spreadsheets and the CKAN DataStore."""

from __future__ import annotations

from publica.opendata.registry import Definition
from publica.opendata.tables import Column, Table
from publica.procurement import selectors

__all__ = ["DATASETS"]


def contracts() -> Table:
    return Table(
        rows=selectors.contract_rows,
        columns=(
            Column("ocid", "text", "The process's Open Contracting ID.", "process__ocid"),
            Column("title", "text", "What the contract is for."),
            Column("buyer", "text", "The department buying.", "process__buyer__name"),
            Column("supplier", "text", "The supplier's registered name; several joined by '; '.",
                   "award__supplier_names"),
            Column("supplier_id", "text", "The supplier's identifier, such as GB-COH-01234567.",
                   "award__supplier_ids"),
            Column("value", "numeric", "The contract's value.", "value_amount"),
            Column("currency", "text", "The value's ISO 4217 currency."),
            Column("date_signed", "date", "When the contract was signed."),
            Column("start_date", "date", "When the contract starts.", "period_start"),
            Column("end_date", "date", "When the contract ends (as agreed).", "period_end"),
            Column("status", "text", "OCDS contract status: active, or terminated once ended."),
            Column("ended_on", "date", "When it ended, if it has."),
            Column("ending", "text", "completed, or terminated-early, once it has ended."),
        ),
        order=("date_signed", "_id"),
    )  # fmt: skip


def tenders() -> Table:
    return Table(
        rows=selectors.tender_rows,
        columns=(
            Column("ocid", "text", "The process's Open Contracting ID.", "process__ocid"),
            Column("title", "text", "What is being bought."),
            Column("buyer", "text", "The department buying.", "process__buyer__name"),
            Column("status", "text", "OCDS tender status: planned, active, complete, …"),
            Column("value", "numeric", "The estimated value.", "value_amount"),
            Column("currency", "text", "The value's ISO 4217 currency."),
            Column("procurement_method", "text", "open, selective, limited or direct."),
            Column("main_category", "text", "goods, works or services."),
            Column("tender_start", "timestamp", "When bids open.", "period_start"),
            Column("tender_end", "timestamp", "When bids close.", "period_end"),
        ),
        order=("ocid",),
    )  # fmt: skip


DATASETS: tuple[Definition, ...] = (
    Definition(
        name="contracts",
        title="Contracts",
        description=(
            "Every contract the council signed after a tender: buyer, supplier, value, dates "
            "and status. The same data, with the tenders and awards behind it, is published as "
            "Open Contracting Data Standard 1.1 at /opendata/ocds/."
        ),
        table=contracts,
        frequency="irregular",
        keywords=("procurement", "contracts", "suppliers", "OCDS"),
        theme="GOVE",
    ),
    Definition(
        name="tenders",
        title="Tenders",
        description=(
            "What the council is buying or plans to buy: each tender's buyer, estimated value, "
            "procedure and closing date. Also published as OCDS 1.1 at /opendata/ocds/."
        ),
        table=tenders,
        frequency="irregular",
        keywords=("procurement", "tenders", "OCDS"),
        theme="GOVE",
    ),
)
