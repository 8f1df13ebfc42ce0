"""The dashboards' figures recomputed independently, in Python, from the rows."""

from collections import Counter, defaultdict
from decimal import Decimal

from django.utils import timezone

from actions.models import Action
from financements.models import Envelope, FundingLine, Payment
from pilotage.models import Meeting, Report

# The status groups written out, not imported: the production groups are part of what
# these tests check. A funding line draws on its envelope from its decision on, and keeps
# that decision when money is to be given back or was given back.
DECIDED = frozenset({"decided", "committed", "paid", "justified", "to_recover", "recovered"})
# An action counts as programmed from the COPIL's decision on; drafts are the porteur's own.
PROGRAMMED = frozenset({"programmed", "in_progress", "reported", "closed"})
DRAFT = "draft"
ZERO = Decimal("0")


def staff_actions(cite_ids, year):
    """What cité staff see: every action but drafts."""
    return [a for a in Action.objects.all() if a.cite_id in cite_ids and a.year == year and a.status != DRAFT]


def cite_figures(cite, year):
    actions = staff_actions({cite.pk}, year)
    ids = {a.pk for a in actions}
    status = Counter(a.status for a in actions)
    objective = Counter(a.national_objective for a in actions)
    envelope, decided, paid, names = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO), defaultdict(lambda: ZERO), {}
    for env in Envelope.objects.all():
        if env.cite_id == cite.pk and env.year == year:
            envelope[env.funder_id] += env.amount
            names[env.funder_id] = env.funder.name
    for line in FundingLine.objects.all():
        if line.action.cite_id == cite.pk and line.action.year == year:
            names[line.funder_id] = line.funder.name
            if line.status in DECIDED:
                decided[line.funder_id] += line.decided_amount
    for payment in Payment.objects.all():
        if payment.line.action.cite_id == cite.pk and payment.line.action.year == year:
            paid[payment.line.funder_id] += payment.amount
    funders = {
        names[f]: {"envelope": envelope.get(f), "decided": decided[f], "paid": paid[f]}
        for f in set(envelope) | set(decided) | set(paid)
    }
    planned = defaultdict(lambda: [0, 0])
    for a in actions:
        key = a.age_bands[0] if len(a.age_bands) == 1 else ("plusieurs" if a.age_bands else "")
        planned[key][0] += a.expected_girls or 0
        planned[key][1] += a.expected_boys or 0
    reported = defaultdict(lambda: [0, 0, 0])
    for a in actions:
        bilan = getattr(a, "bilan", None) if hasattr(a, "bilan") else None
        if bilan is not None and bilan.submitted_at:
            for row in bilan.beneficiaries.all():
                reported[row.age_band][0] += row.girls
                reported[row.age_band][1] += row.boys
                reported[row.age_band][2] += row.living_in_qpv
    qpvs, schools = set(), set()
    for a in actions:
        if a.status in PROGRAMMED:
            qpvs |= {q.pk for q in a.priority_areas.all()}
            schools |= {s.pk for s in a.schools.all()}
    return {
        "ids": ids,
        "status": status,
        "objective": objective,
        "funders": funders,
        "planned": planned,
        "reported": reported,
        "qpvs": len(qpvs),
        "schools": len(schools),
    }


def by_cite(cites, year):
    """Per cité: envelope, decided, paid, proposals, programmed, bilans, last COPIL, reports."""
    now = timezone.now()
    rows = {}
    for cite in cites:
        actions = staff_actions({cite.pk}, year)
        envelope = sum((e.amount for e in Envelope.objects.all() if e.cite_id == cite.pk and e.year == year), ZERO)
        lines = [ln for ln in FundingLine.objects.all() if ln.action.cite_id == cite.pk and ln.action.year == year]
        decided = sum((ln.decided_amount for ln in lines if ln.status in DECIDED), ZERO)
        paid = sum((p.amount for ln in lines for p in ln.payments.all()), ZERO)
        copils = [
            m.starts_at
            for m in Meeting.objects.all()
            if m.cite_id == cite.pk and m.kind == "copil" and m.starts_at <= now
        ]
        rows[cite.pk] = {
            "envelope": envelope,
            "decided": decided,
            "paid": paid,
            "actions": len(actions),
            "programmed": sum(1 for a in actions if a.status in PROGRAMMED),
            "bilans": sum(1 for a in actions if hasattr(a, "bilan") and a.bilan.submitted_at),
            "last_copil": max(copils) if copils else None,
            "reports": sum(
                1
                for r in Report.objects.all()
                if r.cite_id == cite.pk and r.year == year and r.status == "done" and r.kind == "evaluation"
            ),
        }
    return rows
