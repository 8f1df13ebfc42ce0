"""One role policy: every service refuses the wrong role with ``core.permissions.NotAllowed``
(a ``PermissionDenied``), which a view lets through as the French 403 page; objects below
an action are fetched through the entry point (another action's → 404)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from actions import services
from actions.models import Action, Bilan
from financements import services as funding_services
from financements.models import LineStatus
from pilotage import services as pilotage_services
from tests.financements.factories import FundingLineFactory

S = Action.Status


def test_a_service_refusal_goes_through_the_view_as_the_french_403(login, world, make_action):
    """The porteur presses « Commencer l'instruction »: the view does not check the role,
    the service does, and its NotAllowed is the 403 page with its message."""
    action = make_action(status=S.SUBMITTED)
    response = login(world.a.partner).post(reverse("actions:transition", args=[action.pk, "start_review"]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Accès refusé" in page and "Votre rôle ne permet pas cette opération" in page
    action.refresh_from_db()
    assert action.status == S.SUBMITTED


def test_every_app_services_refuse_with_the_same_403(world, make_action):
    action = make_action()
    with pytest.raises(PermissionDenied):  # before: no role check at all
        services.save_fiche(action, by=world.a.coordinator, expected_version=action.version, relations={})
    with pytest.raises(PermissionDenied):
        services.give_opinion(make_action(status=S.IN_REVIEW), by=world.a.partner, verdict="favourable")
    line = FundingLineFactory(envelope__cite=world.a.cite)
    with pytest.raises(PermissionDenied):  # before: FundingNotAllowed, not a PermissionDenied
        funding_services.change_status(line, LineStatus.REJECTED, by=world.a.pilot)
    with pytest.raises(PermissionDenied):  # before: DecisionNotAllowed, not a PermissionDenied
        pilotage_services.programme_out_of_copil(
            make_action(status=S.IN_REVIEW), by=world.a.pilot, decided_on=None, reason="", amounts={}
        )
    line.refresh_from_db()
    assert line.status == LineStatus.REQUESTED


def test_the_bilan_is_written_by_the_service_for_the_porteur_only(world, make_action):
    action = make_action(status=S.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.save_bilan(action, by=world.a.coordinator, bilan=Bilan(action=action), beneficiaries={}, rows=[])
    assert not Bilan.objects.filter(action=action).exists()
    bilan = services.save_bilan(
        action,
        by=world.a.partner,
        bilan=Bilan(action=action, results="Des ateliers tenus."),
        beneficiaries={"6-10": {"girls": 3, "boys": 2, "living_in_qpv": 4}},
        rows=[],
    )
    assert Bilan.objects.get(action=action).results == "Des ateliers tenus."
    assert list(bilan.beneficiaries.values_list("girls", "boys", "living_in_qpv")) == [(3, 2, 4)]


def test_another_actions_row_is_never_written_through_the_bilan(world, make_action):
    action = make_action(status=S.IN_PROGRESS)
    other = make_action(status=S.IN_PROGRESS, side="b")
    line = other.budget_lines.first()
    line.variance_explanation = "Écrit depuis la cité A"
    with pytest.raises(services.TransitionError):
        services.save_bilan(action, by=world.a.partner, bilan=Bilan(action=action), beneficiaries={}, rows=[line])
    line.refresh_from_db()
    assert line.variance_explanation != "Écrit depuis la cité A"
