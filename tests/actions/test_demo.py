"""The ``load_actions`` step of ``load_demo``: calls and actions in every status."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Membership, Role
from actions.models import Action, BudgetLine, Call, Indicator, Message, Opinion, Transition
from actions.services import TRANSITIONS

pytestmark = pytest.mark.django_db

ALES = "ales-agglomeration"
ACTION_MODELS = (Call, Action, BudgetLine, Indicator, Transition, Opinion, Message)


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in ACTION_MODELS}


def test_second_run_changes_nothing():
    load_demo()
    first = counts()
    references = dict(Action.objects.values_list("title", "reference"))
    output = load_demo()

    assert counts() == first
    assert dict(Action.objects.values_list("title", "reference")) == references
    assert "Objets créés : 0, mis à jour : 0" in output
    assert first["Action"] >= 30


def test_every_status_and_axis_in_ales():
    load_demo()
    ales = Action.objects.filter(cite__slug=ALES)
    assert 24 <= ales.count() <= 30
    assert set(ales.values_list("status", flat=True)) == set(Action.Status.values)
    assert set(ales.exclude(national_objective=None).values_list("national_objective", flat=True)) == {1, 2, 3}
    for slug in ("valenton", "alencon-perseigne"):
        assert Action.objects.filter(cite__slug=slug).count() >= 3


def test_calls_of_ales_one_open_one_closed():
    load_demo()
    calls = Call.objects.filter(cite__slug=ALES)
    assert calls.count() == 2
    open_calls = [call for call in calls if call.closes_at > timezone.now()]
    assert len(open_calls) == 1 and open_calls[0].closes_at.year == 2027
    assert calls.filter(closes_at__lt=timezone.now(), year=2026).exists()


def test_budgets_balanced_and_programmed_within_the_envelope():
    load_demo()
    for action in Action.objects.exclude(status=Action.Status.DRAFT):
        charges, produits = action.budget_totals()
        assert charges and charges == produits, action
        assert action.reference and action.reference.startswith(f"{action.cite.code}-{action.year}-")
    funders = set(
        BudgetLine.objects.filter(action__cite__slug=ALES, account="74").values_list("funder__name", flat=True)
    )
    assert funders == {
        "Agence nationale de la cohésion des territoires (ANCT)",
        "Ministère de l'Éducation nationale",
        "Alès Agglomération",
    }
    programmed = Action.Status.PROGRAMMED, Action.Status.IN_PROGRESS, Action.Status.REPORTED, Action.Status.CLOSED
    asked = BudgetLine.objects.filter(
        Q(action__cite__slug=ALES, action__year=2026, action__status__in=programmed, account="74")
    ).aggregate(total=Sum("amount_planned"))["total"]
    assert Decimal("0") < asked <= Decimal("270000")


def test_timelines_follow_the_state_machine_with_actors():
    load_demo()
    for action in Action.objects.exclude(status=Action.Status.DRAFT).prefetch_related("transitions"):
        steps = list(action.transitions.order_by("created_at", "id"))
        assert steps[0].from_status == Action.Status.DRAFT
        assert steps[-1].to_status == action.status
        for previous, step in zip(steps, steps[1:], strict=False):
            assert previous.to_status == step.from_status
            assert previous.created_at <= step.created_at
        for step in steps:
            assert step.actor is not None
            assert any(
                step.from_status in rule.sources and step.to_status == rule.target for rule in TRANSITIONS.values()
            )
    assert Opinion.objects.filter(author__email="troika.ales@example.org").count() >= 10
    assert Action.objects.filter(reviewers__email="troika.ales@example.org").count() >= 15
    assert Message.objects.filter(action__cite__slug=ALES).exists()


def test_the_demo_partner_owns_a_draft_and_a_change_request():
    load_demo()
    mine = Action.objects.filter(porteur__name="Association Alès Réussite Éducative")
    assert mine.count() >= 4
    assert mine.filter(status=Action.Status.DRAFT).exists()
    assert mine.filter(status=Action.Status.CHANGES_REQUESTED).exists()


def test_reported_and_closed_actions_have_a_complete_bilan():
    load_demo()
    done = Action.objects.filter(status__in=[Action.Status.REPORTED, Action.Status.CLOSED])
    assert done.count() >= 6
    for action in done:
        bilan = action.bilan
        assert bilan.submitted_at is not None and bilan.submitted_by is not None
        assert bilan.missing_items() == [], action
        assert bilan.beneficiaries_total() > 0
    assert BudgetLine.objects.filter(variance_explanation__gt="").exists()
    assert not Action.objects.filter(status=Action.Status.IN_PROGRESS, bilan__isnull=False).exists()


def test_every_demo_organisation_with_members_has_a_referent():
    load_demo()
    with_members = set(Membership.objects.active().filter(role=Role.PARTNER).values_list("organisation_id", flat=True))
    with_referent = set(Membership.objects.referents().values_list("organisation_id", flat=True))
    assert with_members and with_members == with_referent
