"""The rules of the bilan: a refused transmission keeps the draft, the actual budget must
balance, and a bilan waits for the end of the action unless the coordination allows it."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import Action, BeneficiaryCount, Bilan, BudgetLine
from core.formatting import format_date_fr

from .factories import complete_bilan
from .test_bilan import bilan_data

pytestmark = pytest.mark.django_db
S = Action.Status


def ended():
    """Dates of an action that ended yesterday."""
    today = timezone.localdate()
    return {"start_date": today - datetime.timedelta(days=90), "end_date": today - datetime.timedelta(days=1)}


def ending_later():
    """Dates of an action still running for two months."""
    today = timezone.localdate()
    return {"start_date": today - datetime.timedelta(days=30), "end_date": today + datetime.timedelta(days=60)}


def bilan_url(action):
    return reverse("actions:bilan", args=[action.pk])


def allow_url(action):
    return reverse("actions:allow_early_bilan", args=[action.pk])


def page(response):
    return response.content.decode().replace("&#x27;", "'")


# --- 1. A refused transmission loses nothing -------------------------------------------
class TestRefusedTransmissionKeepsTheDraft:
    def test_an_unexplained_gap_keeps_everything_typed(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        data = bilan_data(action, charge="1200", produit="1200", transmettre="")
        response = login(world.a.partner).post(bilan_url(action), data, follow=True)
        assert response.status_code == 200
        content = page(response)
        assert "Le bilan ne peut pas encore être transmis." in content
        assert "Expliquez l'écart de plus de 15 % sur la ligne « 64 – Animateurs »." in content
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        bilan = action.bilan
        assert bilan.submitted_at is None
        assert bilan.carried_out == "Trente séances ont eu lieu."
        assert action.indicators.get().result == Decimal("35")
        actuals = dict(action.budget_lines.values_list("side", "amount_actual"))
        assert actuals == {"charge": Decimal("1200.00"), "produit": Decimal("1200.00")}
        assert BeneficiaryCount.objects.get(bilan=bilan).girls == 18
        # the page, reloaded, shows what was typed
        assert 'value="1200.00"' in content and "Trente séances ont eu lieu." in content

    def test_an_invalid_count_is_shown_again_and_the_rest_is_saved(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        data = bilan_data(action, qpv="40", transmettre="")
        response = login(world.a.partner).post(bilan_url(action), data)
        assert response.status_code == 200
        content = page(response)
        assert "Les habitants d'un QPV ne peuvent dépasser le total filles + garçons." in content
        assert "Le bilan n'est pas transmis" in content
        # the wrong figure is shown again as typed, next to its error
        assert 'name="beneficiaires-tranche3_qpv" value="40"' in content
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert action.bilan.results == "Les élèves lisent mieux."
        assert action.bilan.submitted_at is None
        assert action.indicators.get().result == Decimal("35")
        assert action.budget_lines.filter(amount_actual=Decimal("1000")).count() == 2
        assert not BeneficiaryCount.objects.exists()  # the invalid band only is not stored

    def test_a_too_early_transmission_keeps_the_draft(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ending_later())
        response = login(world.a.partner).post(bilan_url(action), bilan_data(action, transmettre=""), follow=True)
        assert response.status_code == 200
        assert "pourra être transmis à partir du" in page(response)
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert action.bilan.carried_out == "Trente séances ont eu lieu." and action.bilan.submitted_at is None


# --- 2. The actual budget must balance ---------------------------------------------------
class TestActualBudgetBalances:
    def test_the_service_refuses_an_unbalanced_actual_budget_and_gives_the_gap(self, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        complete_bilan(action)
        action.budget_lines.filter(side=BudgetLine.Side.PRODUIT).update(amount_actual=Decimal("900"))
        with pytest.raises(services.TransitionError) as caught:
            services.report_action(action, by=world.a.partner)
        assert (
            "Le budget réalisé n'est pas équilibré : charges 1\u202f000,00\u00a0€, produits 900,00\u00a0€ "
            "(il manque 100,00\u00a0€ de produits)." in caught.value.problems
        )
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS

    def test_the_page_refuses_produits_above_charges(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        data = bilan_data(action, charge="1000", produit="1100", transmettre="")
        content = page(login(world.a.partner).post(bilan_url(action), data, follow=True))
        assert "les produits dépassent les charges de 100,00\u00a0€" in content
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert action.budget_lines.get(side="produit").amount_actual == Decimal("1100.00")

    def test_a_balanced_bilan_is_transmitted(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        response = login(world.a.partner).post(bilan_url(action), bilan_data(action, transmettre=""))
        assert response.status_code == 302 and response.url == action.get_absolute_url()
        action.refresh_from_db()
        assert action.status == S.REPORTED


# --- 3. Not before the end of the action, unless the coordination allows it -------------
class TestEndDate:
    def test_the_service_refuses_before_the_end_date(self, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ending_later())
        complete_bilan(action)
        with pytest.raises(services.TransitionError) as caught:
            services.report_action(action, by=world.a.partner)
        assert format_date_fr(action.end_date) in caught.value.message
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS

    def test_the_bilan_can_be_transmitted_on_the_end_date(self, world, make_action):
        today = timezone.localdate()
        action = make_action(status=S.IN_PROGRESS, start_date=today - datetime.timedelta(days=30), end_date=today)
        complete_bilan(action)
        services.report_action(action, by=world.a.partner)
        assert action.status == S.REPORTED

    def test_the_partner_sees_from_when_the_bilan_can_be_transmitted(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ending_later())
        content = page(login(world.a.partner).get(bilan_url(action)))
        assert f"Le bilan pourra être transmis à partir du {format_date_fr(action.end_date)}" in content

    def test_the_coordinator_allows_an_early_bilan(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ending_later())
        complete_bilan(action)
        content = page(login(world.a.coordinator).get(action.get_absolute_url()))
        assert "Autoriser la transmission du bilan avant la fin de l'action" in content
        assert "Autoriser la transmission" not in page(login(world.a.partner).get(action.get_absolute_url()))

        response = login(world.a.coordinator).post(allow_url(action))
        assert response.status_code == 302 and response.url == action.get_absolute_url()
        action.refresh_from_db()
        assert action.early_bilan_allowed
        assert action.early_bilan_allowed_by == world.a.coordinator
        assert action.early_bilan_allowed_at is not None

        content = page(login(world.a.partner).get(bilan_url(action)))
        assert "La coordination de la cité autorise la transmission du bilan avant la fin de l'action" in content
        assert "pourra être transmis à partir du" not in content
        services.report_action(action, by=world.a.partner)
        action.refresh_from_db()
        assert action.status == S.REPORTED

    @pytest.mark.parametrize(
        ("who", "expected"),
        [("a.partner", 403), ("a.pilot", 403), ("a.prefecture", 403), ("b.coordinator", 404), ("b.partner", 404)],
    )
    def test_only_the_coordination_of_the_cite_allows_it(self, login, world, make_action, who, expected):
        side, role = who.split(".")
        action = make_action(status=S.IN_PROGRESS, **ending_later())
        response = login(getattr(getattr(world, side), role)).post(allow_url(action))
        assert response.status_code == expected
        action.refresh_from_db()
        assert not action.early_bilan_allowed

    def test_a_get_changes_nothing(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ending_later())
        assert login(world.a.coordinator).get(allow_url(action)).status_code == 405
        action.refresh_from_db()
        assert not action.early_bilan_allowed


# --- 4. Only transmitted bilans count ----------------------------------------------------
class TestOnlyTransmittedBilansCount:
    def test_a_draft_bilan_gives_no_figure_to_the_coordination(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        complete_bilan(action)  # saved, never transmitted: 35 beneficiaries
        content = page(login(world.a.coordinator).get(action.get_absolute_url()))
        assert "Bénéficiaires (35" not in content
        assert "Lecture améliorée." not in content

    def test_the_querysets_keep_transmitted_bilans_only(self, world, make_action):
        draft = make_action(status=S.IN_PROGRESS, **ended())
        complete_bilan(draft)
        sent = make_action(status=S.IN_PROGRESS, **ended())
        complete_bilan(sent)
        services.report_action(sent, by=world.a.partner)
        assert list(Bilan.objects.transmitted()) == [sent.bilan]
        assert {row.bilan_id for row in BeneficiaryCount.objects.transmitted()} == {sent.bilan.pk}
