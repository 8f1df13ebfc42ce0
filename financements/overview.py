"""The financial overview of a cité for a year: the ledger's rows put together for the
page (and for the financial statement), in a fixed number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from . import ledger
from .models import ZERO


@dataclass
class Overview:
    rows: list = field(default_factory=list)  # per envelope, then outside envelopes, then commitments alone
    funders: list = field(default_factory=list)  # per funder (envelopes and outside together)
    objectives: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    total: ledger.Row | None = None
    leverage: Decimal | None = None
    p147_decided: Decimal = ZERO
    other_decided: Decimal = ZERO


def cite_overview(cite, year):
    rows = ledger.envelope_rows(cite, year)
    funders = ledger.funder_rows(cite, year, rows=rows)
    overview = Overview(rows=list(rows), funders=funders, objectives=ledger.objective_rows(cite, year))
    # The convention commitment is shown on each funder's first row; a funder committed
    # in the convention without envelope nor line gets a row of its own.
    first_rows = {}
    for row in overview.rows:
        first_rows.setdefault(row.funder_id, row)
    for funder in funders:
        if funder.funder_id in first_rows:
            first_rows[funder.funder_id].commitment = funder.commitment
        else:
            overview.rows.append(
                ledger.Row(
                    label=funder.label,
                    programme=ledger.NO_ENVELOPE,
                    funder_id=funder.funder_id,
                    commitment=funder.commitment,
                )
            )
    overview.total = ledger.total(overview.rows)
    overview.leverage, overview.p147_decided, overview.other_decided = ledger.leverage(rows)
    overview.commitments = [
        {
            "label": funder.label,
            "commitment": funder.commitment,
            "envelopes": funder.envelope or ZERO,
            "gap": None if funder.commitment is None else (funder.envelope or ZERO) - funder.commitment,
        }
        for funder in sorted(funders, key=lambda row: (row.label, row.funder_id))
    ]
    return overview
