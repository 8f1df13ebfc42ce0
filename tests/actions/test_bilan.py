"""The bilan (CERFA 15059 style): beneficiaries, indicator results, actual budget."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import Action, BeneficiaryCount, Bilan, BudgetLine, Indicator, variance_needs_explanation
from core.permissions import NotAllowed

from .factories import complete_bilan

pytestmark = pytest.mark.django_db
S = Action.Status
BAND_11_15 = 3  # index of "11-15" in AgeBand


def ended():
    """Dates of an action that ended yesterday: its bilan can be transmitted."""
    today = timezone.localdate()
    return {"start_date": today - datetime.timedelta(days=90), "end_date": today - datetime.timedelta(days=1)}


def bilan_data(action, *, charge="1000", produit="1000", explanation="", girls="18", boys="17", qpv="30", **extra):
    """The POST of the bilan page for a factory action (one indicator, two budget lines)."""
    indicator = action.indicators.get()
    charge_line = action.budget_lines.get(side=BudgetLine.Side.CHARGE)
    produit_line = action.budget_lines.get(side=BudgetLine.Side.PRODUIT)
    data = {
        "bilan-carried_out": "Trente séances ont eu lieu.",
        "bilan-results": "Les élèves lisent mieux.",
        "bilan-difficulties": "",
        "bilan-outlook": "Reconduire l'action.",
        f"beneficiaires-tranche{BAND_11_15}_girls": girls,
        f"beneficiaires-tranche{BAND_11_15}_boys": boys,
        f"beneficiaires-tranche{BAND_11_15}_qpv": qpv,
        "indicateurs-TOTAL_FORMS": "1",
        "indicateurs-INITIAL_FORMS": "1",
        "indicateurs-0-id": str(indicator.pk),
        "indicateurs-0-result": "35",
        "indicateurs-0-result_comment": "Cinq abandons en cours d'année.",
        "budget-TOTAL_FORMS": "2",
        "budget-INITIAL_FORMS": "2",
        "budget-0-id": str(charge_line.pk),
        "budget-0-amount_actual": charge,
        "budget-0-variance_explanation": explanation,
        "budget-1-id": str(produit_line.pk),
        "budget-1-amount_actual": produit,
        "budget-1-variance_explanation": explanation,
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("planned", "actual", "expected"),
    [
        ("1000", None, False),
        ("1000", "1000", False),
        ("1000", "1150", False),
        ("1000", "850", False),
        ("1000", "1150.01", True),
        ("1000", "849.99", True),
        ("0", "0", False),
        ("0", "10", True),
    ],
)
def test_a_gap_over_15_percent_needs_an_explanation(planned, actual, expected):
    assert variance_needs_explanation(Decimal(planned), None if actual is None else Decimal(actual)) is expected


class TestService:
    def test_an_incomplete_bilan_is_refused_and_nothing_changes(self, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        with pytest.raises(services.TransitionError, match="n'est pas rempli"):
            services.report_action(action, by=world.a.partner)
        Bilan.objects.create(action=action)
        with pytest.raises(services.TransitionError) as caught:
            services.report_action(action, by=world.a.partner)
        problems = " ".join(caught.value.problems)
        assert "actions réalisées" in problems
        assert "bénéficiaires" in problems
        assert "Élèves accompagnés" in problems
        assert "montant réalisé de la ligne « 64 – Animateurs »" in problems
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert not action.transitions.exists()

    def test_an_unexplained_gap_blocks_the_bilan(self, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        complete_bilan(action, actual_ratio=Decimal("0.8"))
        with pytest.raises(services.TransitionError) as caught:
            services.report_action(action, by=world.a.partner)
        assert "Expliquez l'écart de plus de 15 % sur la ligne « 64 – Animateurs »." in caught.value.problems
        action.budget_lines.update(variance_explanation="Une animatrice absente deux mois.")
        services.report_action(action, by=world.a.partner)
        action.refresh_from_db()
        assert action.status == S.REPORTED
        assert action.bilan.submitted_by == world.a.partner

    def test_only_the_porteur_reports_and_only_the_coordination_closes(self, world, make_action):
        action = make_action(status=S.IN_PROGRESS, **ended())
        complete_bilan(action)
        for user in (world.a.coordinator, world.a.pilot):
            with pytest.raises(NotAllowed):
                services.report_action(action, by=user)
        services.report_action(action, by=world.a.partner)
        with pytest.raises(NotAllowed):
            services.close_action(action, by=world.a.partner)
        services.close_action(action, by=world.a.coordinator, comment="Bilan conforme.")
        action.refresh_from_db()
        assert action.status == S.CLOSED

    def test_the_bilan_cannot_be_written_once_transmitted(self, world, make_action):
        action = make_action(status=S.REPORTED)
        before = list(Bilan.objects.filter(action=action).values_list("results", flat=True))
        with pytest.raises(services.TransitionError, match="n'est plus modifiable"):
            services.save_bilan(
                action,
                by=world.a.partner,
                bilan=Bilan(action=action, results="Trop tard"),
                beneficiaries={},
                rows=[],
            )
        assert list(Bilan.objects.filter(action=action).values_list("results", flat=True)) == before


class TestPage:
    def url(self, action):
        return reverse("actions:bilan", args=[action.pk])

    def test_permissions(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        assert login(world.a.partner).get(self.url(action)).status_code == 200
        for user in (world.a.coordinator, world.a.pilot, world.a.prefecture):
            assert login(user).get(self.url(action)).status_code == 403
        for user in (world.b.partner, world.b.coordinator):
            assert login(user).get(self.url(action)).status_code == 404
            assert login(user).post(self.url(action), bilan_data(action)).status_code == 404
        assert not Bilan.objects.exists()

    def test_the_page_asks_for_counts_never_names(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        content = login(world.a.partner).get(self.url(action)).content.decode()
        assert "Bénéficiaires par tranche d'âge et par sexe" in content
        assert "jamais de noms" in content
        assert "Élèves accompagnés" in content and "1\u202f000,00\u00a0€" in content
        assert 'name="beneficiaires-tranche3_girls"' in content
        assert "nom" not in {field.lower() for field in Bilan._meta.get_fields() if hasattr(field, "lower")}

    def test_saving_a_draft_keeps_the_action_in_progress(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        response = login(world.a.partner).post(self.url(action), bilan_data(action, charge="980", produit="1000"))
        assert response.status_code == 302 and response.url == self.url(action)
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        bilan = action.bilan
        assert bilan.carried_out == "Trente séances ont eu lieu." and bilan.submitted_at is None
        row = BeneficiaryCount.objects.get(bilan=bilan)
        assert (row.age_band, row.girls, row.boys, row.living_in_qpv) == ("11-15", 18, 17, 30)
        assert action.indicators.get().result == Decimal("35")
        actuals = dict(action.budget_lines.values_list("side", "amount_actual"))
        assert actuals == {"charge": Decimal("980.00"), "produit": Decimal("1000.00")}
        # the page reloads what was saved
        content = login(world.a.partner).get(self.url(action)).content.decode()
        assert 'value="980.00"' in content and "Trente séances ont eu lieu." in content

    def test_a_gap_over_15_percent_without_explanation_is_saved_and_flagged(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        response = login(world.a.partner).post(self.url(action), bilan_data(action, charge="1200"), follow=True)
        content = response.content.decode()
        assert "Expliquez l&#x27;écart : réalisé 1\u202f200,00\u00a0€ pour 1\u202f000,00\u00a0€ prévus" in content
        # the draft keeps the amount while the porteur finds the explanation
        assert action.budget_lines.get(side="charge").amount_actual == Decimal("1200.00")
        assert action.bilan.submitted_at is None

    def test_more_qpv_residents_than_beneficiaries_is_refused(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        response = login(world.a.partner).post(self.url(action), bilan_data(action, qpv="40"))
        assert response.status_code == 200
        assert "Les habitants d&#x27;un QPV ne peuvent dépasser le total filles + garçons." in response.content.decode()
        assert not BeneficiaryCount.objects.exists()  # the wrong band only; the rest is saved

    def test_transmitting_an_incomplete_bilan_lists_what_is_missing(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        data = bilan_data(action, girls="0", boys="0", qpv="0", transmettre="")
        response = login(world.a.partner).post(self.url(action), data, follow=True)
        content = response.content.decode()
        assert "Le bilan ne peut pas encore être transmis." in content
        assert "Indiquez le nombre de bénéficiaires par tranche d&#x27;âge et par sexe." in content
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS
        assert action.bilan.results == "Les élèves lisent mieux."  # what was typed is kept

    def test_the_journey_bilan_then_close(self, login, world, make_action, django_capture_on_commit_callbacks):
        action = make_action(status=S.IN_PROGRESS, reference="CITEA-2026-003", contact_email="", **ended())
        data = bilan_data(
            action, charge="1200", produit="1200", explanation="Une séance de plus en juin.", transmettre=""
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = login(world.a.partner).post(self.url(action), data)
        assert response.status_code == 302 and response.url == action.get_absolute_url()
        action.refresh_from_db()
        assert action.status == S.REPORTED
        assert action.bilan.submitted_at is not None
        assert [email.to for email in mail.outbox] == [[world.a.coordinator.email]]
        assert mail.outbox[0].subject == f"Bilan transmis : CITEA-2026-003 – {action.title}"

        # The bilan can no longer be edited
        response = login(world.a.partner).post(self.url(action), bilan_data(action, charge="1"))
        assert response.status_code == 302
        assert action.budget_lines.get(side="charge").amount_actual == Decimal("1200.00")

        # The coordination reads it on the action page, then closes the action
        content = login(world.a.coordinator).get(action.get_absolute_url()).content.decode()
        assert "Bénéficiaires (35, dont 30 habitant un QPV)" in content
        assert "Une séance de plus en juin." in content and "plus de 15 %" in content
        assert "Valider le bilan et clôturer l&#x27;action" in content
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = login(world.a.coordinator).post(
                reverse("actions:transition", args=[action.pk, "close"]), {"comment": "Bilan conforme."}
            )
        action.refresh_from_db()
        assert action.status == S.CLOSED
        assert [email.to for email in mail.outbox] == [[world.a.partner.email]]
        assert "Bilan conforme." in mail.outbox[0].body

    def test_a_draft_bilan_is_not_shown_to_the_coordination(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        Bilan.objects.create(action=action, carried_out="Brouillon du porteur.")
        assert "Brouillon du porteur." not in login(world.a.coordinator).get(action.get_absolute_url()).content.decode()
        content = login(world.a.partner).get(action.get_absolute_url()).content.decode()
        assert "Brouillon du porteur." in content and "Compléter le bilan" in content

    def test_an_indicator_of_another_action_cannot_be_written(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        other = make_action(status=S.IN_PROGRESS)
        data = bilan_data(action)
        data["indicateurs-0-id"] = str(other.indicators.get().pk)
        login(world.a.partner).post(self.url(action), data)
        # the row is not in the action's indicators: its values are ignored
        assert other.indicators.get().result is None
        assert action.indicators.get().result is None
        assert Indicator.objects.count() == 2

    def test_the_page_is_closed_outside_in_progress(self, login, world, make_action):
        action = make_action(status=S.PROGRAMMED)
        response = login(world.a.partner).get(self.url(action), follow=True)
        assert "Le bilan se remplit quand l&#x27;action est en cours" in response.content.decode()


@pytest.mark.parametrize("prefix", ["indicateurs", "budget"])
def test_a_tampered_bilan_formset_is_a_form_error_not_a_500(login, world, make_action, prefix):
    """One form more than the page drew (TOTAL_FORMS raised by hand): the formset's French
    error, no new row; the rest of the draft is kept, as for any error on this page."""
    action = make_action(status=S.IN_PROGRESS)
    data = bilan_data(action)
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-result" if prefix == "indicateurs" else f"{prefix}-{total}-amount_actual"] = "12"
    response = login(world.a.partner).post(reverse("actions:bilan", args=[action.pk]), data)
    assert response.status_code == 200
    assert "compte plus de lignes que la page n&#x27;en affichait" in response.content.decode()
    assert Indicator.objects.count() == 1 and action.budget_lines.count() == 2
