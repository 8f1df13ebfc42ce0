"""The ``load_actions`` step of ``load_demo``: calls for projects, actions, their budgets,
timelines, opinions, messages (data in :mod:`demo.data.actions`).

Idempotent like the rest of the command: every row is found by its natural key and only
written when it differs. Dates of the timelines are the demo's, not the load's.
"""

import datetime
from decimal import Decimal

from django.core.management.base import CommandError

from accounts.models import Membership, Role, User
from actions.models import (
    Action,
    ActionReport,
    AgeBand,
    BeneficiaryCount,
    BudgetLine,
    Call,
    Indicator,
    Message,
    Note,
    Opinion,
    Transition,
    variance_needs_explanation,
)
from actions.services import TRANSITIONS, next_reference
from demo import cites as loader
from demo.data import actions as data
from demo.data.cites import PASSWORD

COORDINATION_STEPS = {"start_review", "request_changes", "programme", "reject", "close"}


def set_times(obj, created_at, updated_at=None):
    """Backdate ``created_at`` (and ``updated_at``) without a save (``auto_now`` fields)."""
    values = {"created_at": created_at}
    if updated_at is not None or hasattr(obj, "updated_at"):
        values["updated_at"] = updated_at or created_at
    if any(getattr(obj, field) != value for field, value in values.items()):
        type(obj)._default_manager.filter(pk=obj.pk).update(**values)
        for field, value in values.items():
            setattr(obj, field, value)


def load_partner_accounts(tally):
    """One partner account per demo association without one (authors of the timelines)."""
    for email, full_name, job_title, organisation_name in data.PARTNER_ACCOUNTS:
        values = {"full_name": full_name, "job_title": job_title, "is_active": True}
        user = User.objects.filter(email=email).first()
        if user is None:
            user, outcome = User(email=email, **values), "created"
            user.set_password(PASSWORD)
        else:
            changed = {field: value for field, value in values.items() if getattr(user, field) != value}
            password_ok = user.check_password(PASSWORD)
            outcome = "updated" if changed or not password_ok else "unchanged"
            for field, value in changed.items():
                setattr(user, field, value)
            if not password_ok:
                user.set_password(PASSWORD)
        if outcome != "unchanged":
            loader.validate(user)
            user.save()
        tally.record(User, outcome)
        loader.upsert(
            tally,
            Membership,
            {
                "user": user,
                "role": Role.PARTNER,
                "cite": None,
                "departement": "",
                "organisation": loader.organisation(organisation_name),
            },
            is_active=True,
        )


def porteur_user(organisation):
    membership = (
        Membership.objects.filter(role=Role.PARTNER, organisation=organisation, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def load_calls(tally):
    calls = {}
    for key, spec in data.CALLS.items():
        the_cite = loader.cite(spec["cite"])
        call = loader.upsert(
            tally,
            Call,
            {"cite": the_cite, "year": spec["year"], "title": spec["title"]},
            text=spec["text"],
            opens_at=spec["opens_at"],
            closes_at=spec["closes_at"],
            envelope=spec["envelope"],
            is_published=True,
        )
        loader.add_links(tally, call.axes, list(the_cite.axes.filter(code__in=spec["axes"])))
        calls[key] = call
    return calls


def budget_rows(spec):
    """(side, account, label, funder name, amount) rows, with the balancing own funds."""
    rows = [
        (BudgetLine.Side.CHARGE, account, label, None, Decimal(amount))
        for account, label, amount in spec.get("charges", [])
    ]
    rows += [
        (BudgetLine.Side.PRODUIT, "74", f"Subvention sollicitée – {funder}", funder, Decimal(amount))
        for funder, amount in spec.get("asks", {}).items()
    ]
    rows += [
        (BudgetLine.Side.PRODUIT, account, label, None, Decimal(amount))
        for account, label, amount in spec.get("others", [])
    ]
    charges = sum((row[4] for row in rows if row[0] == BudgetLine.Side.CHARGE), start=Decimal("0"))
    produits = sum((row[4] for row in rows if row[0] == BudgetLine.Side.PRODUIT), start=Decimal("0"))
    if spec.get("balanced", True) and charges:
        if produits > charges:
            raise CommandError(f"Donnée de démonstration invalide : le budget de « {spec['title']} » est excédentaire.")
        if produits < charges:
            rows.append(
                (BudgetLine.Side.PRODUIT, "75", "Cotisations et dons manuels (fonds propres)", None, charges - produits)
            )
    return rows


def timeline(spec, index, action_spec_start):
    """[(transition name, when)] for the action's status."""
    schedule = data.SCHEDULE[spec["call"]]
    steps = []
    for name in data.PATHS[spec["status"]]:
        if name == "submit":
            when = schedule["submit"] + datetime.timedelta(days=index, minutes=17 * index)
        elif name == "start":
            start = action_spec_start or schedule["programme"].date()
            when = max(data.at(start, 9), schedule["programme"] + datetime.timedelta(days=1))
        elif name == "report":
            when = data.at(spec["end"] + datetime.timedelta(days=21), 16)
        elif name == "close":
            when = data.at(spec["end"] + datetime.timedelta(days=35), 11)
        else:
            when = schedule[name] + datetime.timedelta(minutes=7 * index)
        steps.append((name, when))
    return steps


def load_action(tally, spec, call, index):
    porteur = loader.organisation(spec["porteur"])
    author = porteur_user(porteur)
    steps = timeline(spec, index, spec.get("start"))
    action = _upsert_action(tally, spec, call, porteur, author, steps)
    reported = spec["status"] in (Action.Status.REPORTED, Action.Status.CLOSED)
    _load_budget(tally, spec, action, reported)
    coordinator = User.objects.get(email=data.COORDINATORS[action.cite.slug])
    _load_timeline(tally, spec, action, steps, author, coordinator)
    first = steps[0][1] if steps else data.at(data.D(2026, 11, 9))
    last = steps[-1][1] if steps else first
    set_times(action, first - datetime.timedelta(days=12), last)
    if reported:
        load_report(tally, spec, action, author, dict(steps)["report"])
    _load_exchanges(tally, spec, action, steps, last, author, coordinator)
    return action


def _upsert_action(tally, spec, call, porteur, author, steps):
    """The action row (its status and dates are the demo's), its reference and links."""
    the_cite = call.cite
    axis = the_cite.axes.get(code=spec["axis"]) if spec.get("axis") else None
    people = spec.get("people", {})
    submitted_at = steps[0][1] if steps else None
    action = loader.upsert(
        tally,
        Action,
        {"cite": the_cite, "year": call.year, "title": spec["title"]},
        call=call,
        porteur=porteur,
        national_objective=axis.national_objective if axis else spec.get("national_objective"),
        local_axis=axis,
        need=spec.get("need", ""),
        objectives=spec.get("objectives", ""),
        description=spec.get("description", ""),
        start_date=spec.get("start"),
        end_date=spec.get("end"),
        place=spec.get("place", ""),
        age_bands=spec.get("ages", []),
        expected_participants=people.get("expected_participants"),
        expected_girls=people.get("expected_girls"),
        expected_boys=people.get("expected_boys"),
        contact_name=author.full_name if author else "",
        contact_email=author.email if author else "",
        status=spec["status"],
        submitted_at=submitted_at,
        created_by=author,
    )
    if submitted_at and not action.reference:
        action.reference = next_reference(the_cite, call.year)
        action.save(update_fields=["reference"])
    loader.add_links(tally, action.priority_areas, [loader.priority_area(code) for code in spec.get("qpvs", [])])
    loader.add_links(tally, action.schools, [loader.school(uai) for uai in spec.get("schools", [])])
    loader.add_links(tally, action.partners, [loader.organisation(name) for name in spec.get("partners", [])])
    return action


def _load_budget(tally, spec, action, reported):
    """Indicators (with results once reported) and budget lines (with actual amounts)."""
    for label, target, unit in spec.get("indicators", []):
        loader.upsert(
            tally,
            Indicator,
            {"action": action, "label": label},
            target=Decimal(target),
            unit=unit,
            result=indicator_result(Decimal(target)) if reported else None,
        )
    rows = budget_rows(spec)
    actuals = actual_amounts(spec, rows) if reported else [(None, "")] * len(rows)
    for (side, account, label, funder, amount), (actual, explanation) in zip(rows, actuals, strict=True):
        loader.upsert(
            tally,
            BudgetLine,
            {"action": action, "side": side, "account": account, "label": label},
            funder=loader.organisation(funder) if funder else None,
            amount_planned=amount,
            amount_actual=actual,
            variance_explanation=explanation,
        )


def _load_timeline(tally, spec, action, steps, author, coordinator):
    """The workflow steps the action went through, backdated to the demo's schedule."""
    status = Action.Status.DRAFT
    comments = spec.get("comments", {})
    schedule = data.SCHEDULE[spec["call"]]
    for name, when in steps:
        rule = TRANSITIONS[name]
        if name in ("programme", "reject"):
            comment = comments.get(name, schedule["copil"])
        else:
            comment = comments.get(name, data.DEFAULT_COMMENTS.get(name, ""))
        step = loader.upsert(
            tally,
            Transition,
            {"action": action, "from_status": status, "to_status": rule.target},
            actor=coordinator if name in COORDINATION_STEPS else author,
            comment=comment,
        )
        set_times(step, when)
        status = rule.target


def _load_exchanges(tally, spec, action, steps, last, author, coordinator):
    """Reviewers, the opinion, the coordination's note and the messages."""
    the_cite = action.cite
    if the_cite.slug == data.ALES and spec["status"] not in (Action.Status.DRAFT, Action.Status.SUBMITTED):
        loader.add_links(tally, action.reviewers, [User.objects.get(email=data.PILOT_ALES)])
    if spec.get("opinion"):
        verdict, comment = spec["opinion"]
        opinion_author = User.objects.get(email=data.PILOT_ALES) if the_cite.slug == data.ALES else coordinator
        opinion = loader.upsert(
            tally, Opinion, {"action": action, "author": opinion_author}, verdict=verdict, comment=comment
        )
        review = dict(steps).get("start_review", last)
        set_times(opinion, review + datetime.timedelta(days=2))
    if spec.get("note"):
        note = loader.upsert(tally, Note, {"action": action, "text": spec["note"]}, author=coordinator)
        set_times(note, last + datetime.timedelta(hours=3))
    for position, (from_porteur, text) in enumerate(spec.get("messages", [])):
        message = loader.upsert(
            tally,
            Message,
            {"action": action, "text": text},
            author=author if from_porteur else coordinator,
            from_porteur=from_porteur,
        )
        set_times(message, last + datetime.timedelta(days=1 + position, hours=2))


def indicator_result(target):
    """A believable result: nine tenths of the target, rounded."""
    return (target * Decimal("0.9")).quantize(Decimal("1"))


def actual_amount(spec, position, side, planned):
    """(actual amount, explanation): the first charge overruns when the spec says so,
    other charges are slightly under; produits come in as planned."""
    if side == BudgetLine.Side.PRODUIT:
        return planned, ""
    if position == 0 and spec.get("overrun"):
        return (planned * Decimal("1.2")).quantize(Decimal("0.01")), spec["overrun"]
    return (planned * Decimal("0.97")).quantize(Decimal("1.00")), ""


OWN_FUNDS_ACCOUNT = "75"


def actual_amounts(spec, rows):
    """[(actual amount, explanation)] of the budget rows, balanced as a transmitted bilan
    must be: the association's own funds (account 75) absorb the gap between the actual
    charges and the produits received as planned."""
    actuals = [actual_amount(spec, position, row[0], row[4]) for position, row in enumerate(rows)]
    charges = sum(
        (a for (a, _), row in zip(actuals, rows, strict=True) if row[0] == BudgetLine.Side.CHARGE), Decimal(0)
    )
    produits = sum(
        (a for (a, _), row in zip(actuals, rows, strict=True) if row[0] == BudgetLine.Side.PRODUIT), Decimal(0)
    )
    own = next(
        (i for i, row in enumerate(rows) if row[0] == BudgetLine.Side.PRODUIT and row[1] == OWN_FUNDS_ACCOUNT), None
    )
    if own is None:
        if charges != produits:
            raise CommandError(f"Donnée de démonstration invalide : « {spec['title']} » n'a pas de fonds propres.")
        return actuals
    planned = rows[own][4]
    actual = actuals[own][0] + charges - produits
    if actual < 0:
        raise CommandError(
            f"Donnée de démonstration invalide : les fonds propres de « {spec['title']} » deviennent négatifs."
        )
    explanation = ""
    if variance_needs_explanation(planned, actual):
        explanation = (
            "Le dépassement des dépenses est couvert par les fonds propres de l'association."
            if actual > planned
            else "Dépenses inférieures aux prévisions : moins de fonds propres engagés."
        )
    actuals[own] = (actual, explanation)
    return actuals


def load_report(tally, spec, action, author, reported_at):
    """The bilan of a reported or closed action: texts, beneficiaries (counts), dates."""
    texts = spec.get("bilan", {})
    report = loader.upsert(
        tally,
        ActionReport,
        {"action": action},
        carried_out=texts.get("carried_out", data.DEFAULT_BILAN["carried_out"]),
        results=texts.get("results", data.DEFAULT_BILAN["results"]),
        difficulties=texts.get("difficulties", data.DEFAULT_BILAN["difficulties"]),
        outlook=texts.get("outlook", data.DEFAULT_BILAN["outlook"]),
        submitted_at=reported_at,
        submitted_by=author,
    )
    set_times(report, reported_at - datetime.timedelta(days=5), reported_at)
    people = spec.get("people", {})
    bands = [band for band in spec.get("ages", []) if band in AgeBand.values] or [AgeBand.AGE_11_15]
    girls, boys = people.get("expected_girls", 0), people.get("expected_boys", 0)
    for position, band in enumerate(bands):
        # spread the participants over the bands, the remainder on the first one
        share_girls = girls // len(bands) + (girls % len(bands) if position == 0 else 0)
        share_boys = boys // len(bands) + (boys % len(bands) if position == 0 else 0)
        loader.upsert(
            tally,
            BeneficiaryCount,
            {"report": report, "age_band": band},
            girls=share_girls,
            boys=share_boys,
            living_in_qpv=(share_girls + share_boys) * 4 // 5,
        )


def load_actions(tally):
    """Calls for projects and actions of the demo cités, in every status."""
    load_partner_accounts(tally)
    calls = load_calls(tally)
    per_call = {}
    for spec in data.ACTIONS:
        index = per_call.get(spec["call"], 0)
        if spec["status"] != Action.Status.DRAFT:
            per_call[spec["call"]] = index + 1
        load_action(tally, spec, calls[spec["call"]], index)
