"""The funding step of ``python manage.py load_demo``: envelopes, then the funding lines
and payments of the demo actions that exist.

Idempotent like the rest of the loader: envelopes are upserted on their natural key
(cité, funder, programme, year); lines are created from the budgets only for budget
lines that have none; each money stage is applied only when the line has not reached it
yet, through :mod:`financements.services`, with the cité's demo coordinator as the actor,
so that the demo obeys the same invariants and role checks. The amounts were decided by
the COPILs (demo/pilotage.py, through :mod:`pilotage.services`); this step records the
legal acts, the payments (dated in the demo's years) and the bilans' outcome.

Stages, by action status: a proposal under review has requested lines; a programmed
action has decided and committed lines with an advance paid (balance due); an action in
progress the same; a reported action has its balance paid; a closed action is justified
— except the first closed (or reported) action of each cité, whose bilan shows less
spent than paid: its first line is « à reverser ».
"""

import datetime
from decimal import Decimal

from accounts.models import User
from actions.models import Action
from demo import cites as loader
from demo.data import financements as data
from demo.data.actions import COORDINATORS
from financements import services
from financements.models import Envelope, FundingLine, LineStatus, Payment

S = LineStatus


def load_envelopes(tally):
    """Envelopes of the demo cités, before the actions: the lines created by a decision
    are attached to the envelope of their funder, cité and year."""
    for slug, funder_name, programme, amounts, legal_reference in data.ENVELOPES:
        the_cite, funder = loader.cite(slug), loader.organisation(funder_name)
        for year, amount in amounts.items():
            loader.upsert(
                tally,
                Envelope,
                {"cite": the_cite, "funder": funder, "programme": programme, "year": year},
                amount=amount,
                legal_reference=legal_reference,
            )


def _record(tally, model, created):
    tally.record(model, "created" if created else "unchanged")


def _fund_action(tally, action, recover, by):
    before = set(action.funding_lines.values_list("pk", flat=True))
    services.create_lines_from_budget(action, by=by)
    lines = list(action.funding_lines.select_related("envelope", "funder", "action").order_by("pk"))
    for line in lines:
        _record(tally, FundingLine, line.pk not in before)
    if action.status not in data.FUNDED_STATUSES:
        return
    for index, line in enumerate(lines):
        if line.status == S.DECIDED:
            act_type = "arrete" if line.decided_amount < Decimal("23000") else "convention"
            services.record_legal_act(
                line,
                act_type=act_type,
                reference=f"{action.reference}-{index + 1}",
                date=datetime.date(action.year, 3, 15),
                by=by,
            )
        paid = line.paid_amount()
        if line.status in (S.COMMITTED, S.PAID) and not paid:
            advance = (line.decided_amount * data.ADVANCE_SHARE).quantize(Decimal("0.01"))
            if advance:
                services.record_payment(
                    line,
                    kind=Payment.Kind.ADVANCE,
                    amount=advance,
                    date=datetime.date(action.year, 4, 15),
                    reference=f"Avance {action.reference}",
                    by=by,
                )
                _record(tally, Payment, True)
                paid = advance
        if action.status in ("reported", "closed") and line.status == S.COMMITTED and paid < line.decided_amount:
            services.record_payment(
                line,
                kind=Payment.Kind.BALANCE,
                amount=line.decided_amount - paid,
                date=datetime.date(action.year + 1, 2, 15),
                reference=f"Solde {action.reference}",
                by=by,
            )
            _record(tally, Payment, True)
        if recover and index == 0 and line.status in (S.PAID, S.JUSTIFIED) and not line.amount_to_recover:
            services.change_status(
                line,
                S.TO_RECOVER,
                amount_to_recover=(line.decided_amount / 10).quantize(Decimal("0.01")),
                comment="Le bilan fait apparaître des dépenses inférieures au versement (données de démonstration).",
                by=by,
            )
        elif action.status == "closed" and line.status == S.PAID:
            services.change_status(line, S.JUSTIFIED, by=by)


def load_funding(tally):
    """Funding lines and payments of the demo actions (the envelopes are loaded before
    the COPILs, whose decisions draw on them: :func:`load_envelopes`)."""
    statuses = (*data.FUNDED_STATUSES, *data.REVIEWED_STATUSES)
    for slug in sorted({slug for slug, *_ in data.ENVELOPES}):
        by = User.objects.get(email=COORDINATORS[slug])  # the money moves as the coordinator moves it
        actions = list(
            Action.objects.filter(cite__slug=slug, status__in=statuses).select_related("cite").order_by("year", "pk")
        )
        recover_done = False
        for action in actions:
            recover = not recover_done and action.status in ("reported", "closed")
            recover_done = recover_done or recover
            _fund_action(tally, action, recover, by)
