"""Calls for projects, actions with their budgets and indicators, and the bilans."""

import datetime
from decimal import Decimal

from django.utils import timezone

from actions.models import (
    Action,
    BeneficiaryCount,
    Bilan,
    BudgetLine,
    Call,
    Indicator,
    ReferenceCounter,
)

from .base import BANDS, BATCH, CURRENT_STATUSES, PAST_STATUSES, REPORTED, THEMES, S, aware


def build_calls(c):
    """One call per cité and year; the current year's is open. Sets ``c.call_of``."""
    calls = []
    for cite in c.cites:
        for year in c.years:
            if year == c.last:
                opens, closes = c.now - datetime.timedelta(days=20), c.now + datetime.timedelta(days=10)
            else:
                opens, closes = aware(datetime.date(year, 1, 15)), aware(datetime.date(year, 3, 15), 18)
            calls.append(
                Call(
                    cite=cite,
                    year=year,
                    title=f"Appel à projets {year} – {cite.code}",
                    opens_at=opens,
                    closes_at=closes,
                )
            )
    calls = c.add(Call, calls)
    c.call_of = {(call.cite_id, call.year): call for call in calls}


def _planned_action(c, cite, orgs, year, n, status):
    """(unsaved action, charges, ANCT ask, collectivité ask, own funds)."""
    rng = c.rng
    objective = rng.choice((1, 2, 3))
    band_count = rng.choice((1, 1, 1, 2))
    bands = sorted(rng.sample(BANDS[:6], band_count), key=BANDS.index)
    girls, boys = rng.randrange(5, 60), rng.randrange(5, 60)
    if year == c.last:
        end = timezone.localdate() + datetime.timedelta(days=rng.randrange(-60, 200))
    else:
        end = datetime.date(year + 1, 6, 30)
    action = Action(
        cite=cite,
        call=c.call_of[(cite.pk, year)],
        year=year,
        porteur=orgs[1 + rng.randrange(8)],
        reference=None if status == S.DRAFT else f"{cite.code}-{year}-{n:03d}",
        national_objective=objective,
        local_axis=c.axes_by_cite[cite.pk][objective - 1],
        title=f"{THEMES[rng.randrange(len(THEMES))]} {year} n° {n}",
        need="Besoin identifié par le diagnostic de la cité.",
        objectives="Objectifs de l'action.",
        description="Ateliers et sorties.",
        start_date=min(datetime.date(year, 9, 1), end - datetime.timedelta(days=30)),
        end_date=end,
        place="Collège du quartier",
        age_bands=bands,
        expected_participants=girls + boys,
        expected_girls=girls,
        expected_boys=boys,
        contact_name="Contact du porteur",
        contact_email="contact@example.org",
        status=status,
        submitted_at=None if status == S.DRAFT else aware(datetime.date(year, 3, 1)),
    )
    anct = Decimal(rng.randrange(20, 120) * 100)
    agglo = Decimal(rng.randrange(5, 60) * 100)
    own = Decimal(rng.randrange(0, 30) * 100)
    return action, anct + agglo + own, anct, agglo, own


def build_actions(c):
    """``per_year`` actions per cité and year, statuses drawn from the year's weights.
    Sets ``c.plan`` ([(action, charges, anct, agglo, own)]) and ``c.actions``."""
    c.plan, counters = [], []
    for cite, orgs in zip(c.cites, c.per_cite_orgs, strict=True):
        for year in c.years:
            weights = CURRENT_STATUSES if year == c.last else PAST_STATUSES
            statuses = c.rng.choices([s for s, _ in weights], [w for _, w in weights], k=c.gen.per_year)
            for n, status in enumerate(statuses, start=1):
                c.plan.append(_planned_action(c, cite, orgs, year, n, status))
            counters.append(ReferenceCounter(cite=cite, year=year, last_number=c.gen.per_year))
    c.actions = c.add(Action, [p[0] for p in c.plan])
    c.add(ReferenceCounter, counters)


def _budget(action, charges, anct, agglo, own, anct_org, agglo_org):
    """The four budget lines: charges, the two asks (ANCT, collectivité), families."""
    return [
        BudgetLine(
            action=action, side="charge", account="64", label="Rémunération des intervenants", amount_planned=charges
        ),
        BudgetLine(
            action=action, side="produit", account="74", label="Subvention ANCT", funder=anct_org, amount_planned=anct
        ),
        BudgetLine(
            action=action,
            side="produit",
            account="74",
            label="Subvention de l'agglomération",
            funder=agglo_org,
            amount_planned=agglo,
        ),
        BudgetLine(action=action, side="produit", account="70", label="Participation des familles", amount_planned=own),
    ]


def build_budgets(c):
    """QPV and school links, four budget lines and an indicator per action; sets
    ``c.lines`` (four per action, in the plan's order)."""
    rng = c.rng
    qpv_by_cite = {cite.pk: pair for cite, pair in zip(c.cites, c.qpvs, strict=True)}
    schools_by_cite = {cite.pk: group for cite, group in zip(c.cites, c.schools, strict=True)}
    qpv_links, school_links, lines, indicators = [], [], [], []
    anct_org = c.gen.national["anct"]
    for action, charges, anct, agglo, own in c.plan:
        qpv_links.append(
            Action.priority_areas.through(action=action, priorityarea=rng.choice(qpv_by_cite[action.cite_id]))
        )
        for school in rng.sample(schools_by_cite[action.cite_id], rng.choice((1, 2))):
            school_links.append(Action.schools.through(action=action, school=school))
        lines += _budget(action, charges, anct, agglo, own, anct_org, c.agglo_of[action.cite_id])
        indicators.append(
            Indicator(
                action=action,
                label="Participants accompagnés",
                target=Decimal(action.expected_participants),
                unit="participants",
            )
        )
    Action.priority_areas.through.objects.bulk_create(qpv_links, batch_size=BATCH)
    Action.schools.through.objects.bulk_create(school_links, batch_size=BATCH)
    c.lines = c.add(BudgetLine, lines)
    c.add(Indicator, indicators)


def build_bilans(c):
    """Bilans of the reported and closed actions, with beneficiaries per age band."""
    bilans = [
        Bilan(
            action=action,
            carried_out="Séances réalisées.",
            results="Résultats observés.",
            submitted_at=aware(action.end_date + datetime.timedelta(days=30)),
        )
        for action in c.actions
        if action.status in REPORTED
    ]
    bilans = c.add(Bilan, bilans)
    counts_rows = []
    for bilan in bilans:
        for band in bilan.action.age_bands:
            girls = c.rng.randrange(0, 40)
            boys = c.rng.randrange(0, 40)
            counts_rows.append(
                BeneficiaryCount(
                    bilan=bilan, age_band=band, girls=girls, boys=boys, living_in_qpv=(girls + boys) * 3 // 4
                )
            )
    c.add(BeneficiaryCount, counts_rows)
