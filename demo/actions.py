"""The action steps of ``load_demo``: calls for projects, actions, their budgets, their
workflow, bilans, opinions, messages (data in :mod:`demo.data.actions`).

The workflow goes through :mod:`actions.services`, as a porteur and a coordinator would
take it, each step recorded at its demo date (``at=``: the checks of that day, the
transition dated then, nobody notified). It is played in two steps around the COPILs
(demo/pilotage.py, which records the decisions through :mod:`pilotage.services`):
:func:`load_actions` creates the actions and takes them up to their decision,
:func:`load_follow_up` takes the programmed ones on (start, bilan, close).

Idempotent like the rest of the command: every row is found by its natural key and only
written when it differs, and a step already taken is not taken again. An action whose
timeline no longer is the demo's (a person moved it) cannot be moved back through the
workflow: the story of its call (its actions, their money, the call's COPIL) is deleted
and played again.
"""

import datetime
from decimal import Decimal

from django.core.management.base import CommandError

from accounts.models import Membership, Role, User
from actions import services as workflow
from actions.models import (
    Action,
    AgeBand,
    Bilan,
    BudgetLine,
    Call,
    Indicator,
    Message,
    Note,
    Opinion,
    Transition,
    variance_needs_explanation,
)
from demo import cites as loader
from demo.data import actions as data
from financements.models import FundingLine, Payment
from financements.services import refresh_envelope_totals
from pilotage.models import AgendaItem, Meeting, ProgrammingDecision

COORDINATION_STEPS = {"start_review", "request_changes", "programme", "reject", "close"}
DECISION_STEPS = {"programme", "reject"}  # taken by the call's COPIL (demo/pilotage.py)


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
    """One partner account per demo association without one (authors of the timelines),
    référent of its organisation."""
    for email, full_name, job_title, organisation_name in data.PARTNER_ACCOUNTS:
        user = loader.upsert_user(tally, email, full_name=full_name, job_title=job_title, is_active=True)
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
            is_referent=True,
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


def timeline(spec, index):
    """[(transition name, when)] that lead to the action's demo status."""
    schedule = data.SCHEDULE[spec["call"]]
    steps = []
    for name in data.PATHS[spec["status"]]:
        if name == "submit":
            when = schedule["submit"] + datetime.timedelta(days=index, minutes=17 * index)
        elif name == "start":
            start = spec.get("start") or schedule["programme"].date()
            when = max(data.at(start, 9), schedule["programme"] + datetime.timedelta(days=1))
        elif name == "report":
            when = data.at(spec["end"] + datetime.timedelta(days=21), 16)
        elif name == "close":
            when = data.at(spec["end"] + datetime.timedelta(days=35), 11)
        elif name in DECISION_STEPS:
            when = schedule[name]  # the COPIL records all its decisions at once
        else:
            when = schedule[name] + datetime.timedelta(minutes=7 * index)
        steps.append((name, when))
    return steps


def step_comment(spec, name):
    """The comment of a step: the spec's, else the COPIL's for a decision, else the default."""
    comments = spec.get("comments", {})
    if name in DECISION_STEPS:
        return comments.get(name, data.SCHEDULE[spec["call"]]["copil"])
    return comments.get(name, data.DEFAULT_COMMENTS.get(name, ""))


def demo_actions():
    """(spec, index) of every demo action: ``index`` numbers the submissions of a call."""
    per_call = {}
    for spec in data.ACTIONS:
        index = per_call.get(spec["call"], 0)
        if spec["status"] != Action.Status.DRAFT:
            per_call[spec["call"]] = index + 1
        yield spec, index


def find_action(spec, call):
    return Action.objects.filter(cite=call.cite, year=call.year, title=spec["title"]).order_by("pk").first()


def trail(action):
    return [
        (step.from_status, step.to_status, step.created_at) for step in action.transitions.order_by("created_at", "id")
    ]


def expected_trail(steps):
    status, rows = Action.Status.DRAFT, []
    for name, when in steps:
        target = workflow.TRANSITIONS[name].target
        rows.append((status, target, when))
        status = target
    return rows


def stories_to_reset(calls):
    """The calls with an action whose status or timeline differs from the demo's."""
    stale = set()
    for spec, index in demo_actions():
        action = find_action(spec, calls[spec["call"]])
        if action is not None and (
            action.status != spec["status"] or trail(action) != expected_trail(timeline(spec, index))
        ):
            stale.add(spec["call"])
    return sorted(stale)


def reset_story(tally, key, call):
    """Delete the call's demo actions, their money and the call's COPIL, to play them again."""
    titles = [spec["title"] for spec in data.ACTIONS if spec["call"] == key]
    actions = Action.objects.filter(cite=call.cite, year=call.year, title__in=titles)
    lines = FundingLine.objects.filter(action__in=actions)
    envelope_ids = set(lines.values_list("envelope_id", flat=True))
    Payment.objects.filter(line__in=lines).delete()
    lines.delete()
    ProgrammingDecision.objects.filter(action__in=actions).delete()
    Meeting.objects.filter(cite=call.cite, title=data.SCHEDULE[key]["meeting"]).delete()
    AgendaItem.objects.filter(action__in=actions).delete()
    for action in actions:
        tally.record(Action, "updated")
        action.delete()
    refresh_envelope_totals(envelope_ids)


def take_steps(tally, spec, action, steps, first, last):
    """Take ``steps[first:last]`` that the action has not taken yet, through the workflow
    services, each at its demo date, by the porteur or the coordinator of the cité."""
    author = porteur_user(action.porteur)
    coordinator = User.objects.get(email=data.COORDINATORS[action.cite.slug])
    taken = action.transitions.count()
    for position, (name, when) in enumerate(steps[first:last], start=first):
        if position < taken:
            tally.record(Transition, "unchanged")
            continue
        if name == "report":
            load_bilan(tally, spec, action, author, when)
        by = coordinator if name in COORDINATION_STEPS else author
        try:
            workflow.apply_transition(action, name, by=by, comment=step_comment(spec, name), at=when)
        except workflow.TransitionError as error:
            details = " ".join([error.message, *error.problems])
            raise CommandError(f"Donnée de démonstration invalide (« {action} », {name}) : {details}") from None
        tally.record(Transition, "created")


def decision_position(steps):
    return next((i for i, (name, _) in enumerate(steps) if name in DECISION_STEPS), len(steps))


def load_action(tally, spec, call, index):
    """The action (a draft when new), its budget and indicators, then its steps up to the
    COPIL's decision."""
    action = _upsert_action(tally, spec, call)
    _load_budget(tally, spec, action)
    steps = timeline(spec, index)
    take_steps(tally, spec, action, steps, 0, decision_position(steps))
    return action


def _upsert_action(tally, spec, call):
    """The action row (its content: the workflow sets its status and dates) and its links."""
    the_cite = call.cite
    author = porteur_user(loader.organisation(spec["porteur"]))
    axis = the_cite.axes.get(code=spec["axis"]) if spec.get("axis") else None
    people = spec.get("people", {})
    action = loader.upsert(
        tally,
        Action,
        {"cite": the_cite, "year": call.year, "title": spec["title"]},
        call=call,
        porteur=loader.organisation(spec["porteur"]),
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
        created_by=author,
    )
    loader.add_links(tally, action.priority_areas, [loader.priority_area(code) for code in spec.get("qpvs", [])])
    loader.add_links(tally, action.schools, [loader.school(uai) for uai in spec.get("schools", [])])
    loader.add_links(tally, action.partners, [loader.organisation(name) for name in spec.get("partners", [])])
    return action


def _load_budget(tally, spec, action):
    """Indicators and budget lines, as planned (the bilan adds results and actual amounts)."""
    for label, target, unit in spec.get("indicators", []):
        loader.upsert(tally, Indicator, {"action": action, "label": label}, target=Decimal(target), unit=unit)
    for side, account, label, funder, amount in budget_rows(spec):
        loader.upsert(
            tally,
            BudgetLine,
            {"action": action, "side": side, "account": account, "label": label},
            funder=loader.organisation(funder) if funder else None,
            amount_planned=amount,
        )


def load_follow_up(tally):
    """After the COPILs: the programmed actions start, transmit their bilan and are
    closed; then the exchanges (reviewers, opinions, notes, messages) and the dates."""
    calls = {key: Call.objects.get(cite__slug=spec["cite"], year=spec["year"], title=spec["title"])
             for key, spec in data.CALLS.items()}  # fmt: skip
    for spec, index in demo_actions():
        action = find_action(spec, calls[spec["call"]])
        steps = timeline(spec, index)
        decision = decision_position(steps)
        if decision < len(steps) and action.transitions.count() <= decision:
            raise CommandError(f"Donnée de démonstration invalide : « {action} » n'a pas été décidée en COPIL.")
        take_steps(tally, spec, action, steps, decision + 1, len(steps))
        first = steps[0][1] if steps else data.at(data.D(2026, 11, 9))
        last = steps[-1][1] if steps else first
        set_times(action, first - datetime.timedelta(days=12), last)
        author = porteur_user(action.porteur)
        coordinator = User.objects.get(email=data.COORDINATORS[action.cite.slug])
        _load_exchanges(tally, spec, action, steps, last, author, coordinator)


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


def load_bilan(tally, spec, action, author, reported_at):
    """The bilan of an action about to report, written through ``save_bilan`` as the
    porteur fills it in: texts, beneficiaries (counts), indicator results and actual
    amounts."""
    texts = spec.get("bilan", {})
    bilan = Bilan.objects.filter(action=action).first() or Bilan(action=action)
    tally.record(Bilan, "updated" if bilan.pk else "created")
    for field, default in data.DEFAULT_BILAN.items():
        setattr(bilan, field, texts.get(field, default))
    rows = []
    for label, target, _ in spec.get("indicators", []):
        indicator = Indicator.objects.get(action=action, label=label)
        indicator.result = indicator_result(Decimal(target))
        rows.append(indicator)
    budget = budget_rows(spec)
    for row, (actual, explanation) in zip(budget, actual_amounts(spec, budget), strict=True):
        side, account, label = row[:3]
        line = BudgetLine.objects.get(action=action, side=side, account=account, label=label)
        line.amount_actual, line.variance_explanation = actual, explanation
        rows.append(line)
    workflow.save_bilan(action, by=author, bilan=bilan, beneficiaries=beneficiaries(spec), rows=rows)
    set_times(bilan, reported_at - datetime.timedelta(days=5), reported_at)


def beneficiaries(spec):
    """The expected participants spread over the action's age bands (the remainder on the
    first one), four in five living in a QPV: age band → counts."""
    people = spec.get("people", {})
    bands = [band for band in spec.get("ages", []) if band in AgeBand.values] or [AgeBand.AGE_11_15]
    girls, boys = people.get("expected_girls", 0), people.get("expected_boys", 0)
    counts = {}
    for position, band in enumerate(bands):
        share_girls = girls // len(bands) + (girls % len(bands) if position == 0 else 0)
        share_boys = boys // len(bands) + (boys % len(bands) if position == 0 else 0)
        counts[band] = {
            "girls": share_girls,
            "boys": share_boys,
            "living_in_qpv": (share_girls + share_boys) * 4 // 5,
        }
    return counts


def load_actions(tally):
    """Calls for projects and the demo actions, taken up to their COPIL's decision."""
    load_partner_accounts(tally)
    calls = load_calls(tally)
    for key in stories_to_reset(calls):
        reset_story(tally, key, calls[key])
    for spec, index in demo_actions():
        load_action(tally, spec, calls[spec["call"]], index)
