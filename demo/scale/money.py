"""Envelopes sized on what is decided, funding lines carrying the COPIL's decisions, and
the payments that follow them."""

import datetime
from decimal import Decimal

from django.utils import timezone

from financements.models import DECIDED_STATUSES, ZERO, Envelope, FundingLine, LineStatus, Payment, Programme
from financements.services import refresh_envelope_totals

from .base import FUNDED, LINE_STATUS_OF, PAID, REPORTED, S


def build_envelopes(c):
    """Per cité and year: ANCT and collectivité envelopes 80 to 95 % consumed by what is
    decided, and a fixed Éducation nationale one. Sets ``c.envelopes``."""
    decided = {}
    for action, _charges, anct, agglo, _own in c.plan:
        if action.status in FUNDED:
            for key, amount in (("anct", anct), ("agglo", agglo)):
                slot = (action.cite_id, action.year, key)
                decided[slot] = decided.get(slot, 0) + amount
    envelopes = []
    for cite in c.cites:
        for year in c.years:
            for key, funder, programme in (
                ("anct", c.gen.national["anct"], Programme.P147),
                ("agglo", c.agglo_of[cite.pk], Programme.COLLECTIVITE),
            ):
                used = decided.get((cite.pk, year, key), Decimal(0))
                amount = (used * Decimal(100) / Decimal(c.rng.randrange(80, 96))).quantize(Decimal("1")) + 1000
                envelopes.append(Envelope(cite=cite, funder=funder, programme=programme, year=year, amount=amount))
            envelopes.append(
                Envelope(
                    cite=cite, funder=c.gen.national["men"], programme=Programme.P230, year=year, amount=Decimal(15000)
                )
            )
    c.envelopes = c.add(Envelope, envelopes)


def _line_decision(action, decision, amount):
    """(status, decided amount or None, comment) of a funding line of ``action``."""
    status, decided_amount, comment = LineStatus.REQUESTED, None, ""
    if action.status in FUNDED:
        status, decided_amount = LINE_STATUS_OF[action.status], amount
    elif action.status == S.REJECTED:
        status, decided_amount = LineStatus.REJECTED, ZERO  # as the COPIL's refusal records it
    elif action.status == S.WITHDRAWN:
        status = LineStatus.CANCELLED
    if decision is not None and status != LineStatus.REQUESTED:
        comment = f"Décision du {decision.meeting.title} du {decision.on:%d/%m/%Y}."
    return status, decided_amount, comment


def build_funding_lines(c):
    """A funding line per ask (account 74) of every action past the draft. Sets ``c.funding``."""
    envelope_of = {(e.cite_id, e.year, e.funder_id): e for e in c.envelopes}
    funding = []
    for index, (action, _charges, _anct, _agglo, _own) in enumerate(c.plan):
        if action.status == S.DRAFT:
            continue
        for budget_line in c.lines[4 * index + 1 : 4 * index + 3]:
            amount = budget_line.amount_planned
            status, decided_amount, comment = _line_decision(action, c.decisions.get(action.pk), amount)
            funding.append(
                FundingLine(
                    action=action,
                    funder_id=budget_line.funder_id,
                    envelope=envelope_of[(action.cite_id, action.year, budget_line.funder_id)],
                    budget_line=budget_line,
                    requested_amount=amount,
                    proposed_amount=amount if action.status in FUNDED else None,
                    decided_amount=decided_amount,
                    status=status,
                    legal_act_type=FundingLine.LegalActType.ARRETE if status in DECIDED_STATUSES else "",
                    comment=comment,
                )
            )
    c.funding = c.add(FundingLine, funding)


def build_payments(c):
    """The advance after the decision, the balance after the bilan; nothing in the future.
    Then the chunk's envelope totals, which the bulk inserts bypass."""
    payments = []
    status_of = {action.pk: action.status for action in c.actions}
    today = timezone.localdate()
    for line in c.funding:
        action_status = status_of[line.action_id]
        if action_status not in PAID:
            continue
        advance_on = min(c.decisions[line.action_id].on + datetime.timedelta(days=30), today)
        advance = (line.decided_amount / 2).quantize(Decimal("0.01"))
        payments.append(Payment(line=line, kind=Payment.Kind.ADVANCE, amount=advance, date=advance_on))
        if action_status in REPORTED:
            payments.append(
                Payment(
                    line=line,
                    kind=Payment.Kind.BALANCE,
                    amount=line.decided_amount - advance,
                    date=max(advance_on, min(datetime.date(line.envelope.year + 1, 9, 1), today)),
                )
            )
    c.add(Payment, [p for p in payments if p.amount > 0])
    # Refreshed by the one function that maintains them, for this chunk's envelopes only.
    refresh_envelope_totals([envelope.pk for envelope in c.envelopes])
