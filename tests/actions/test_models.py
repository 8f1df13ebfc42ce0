from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from actions.models import Action, BudgetLine, Call, budget_gap_message

from .factories import ActionFactory, BudgetLineFactory, CallFactory, funder

pytestmark = pytest.mark.django_db


class TestBudgetLine:
    def test_charge_needs_a_charge_account(self):
        line = BudgetLine(action=ActionFactory(), side="charge", account="70", label="x", amount_planned=1)
        with pytest.raises(ValidationError) as error:
            line.full_clean()
        assert "Une charge utilise un compte 60 à 68 ou 86." in error.value.message_dict["account"]

    def test_produit_needs_a_produit_account(self):
        line = BudgetLine(action=ActionFactory(), side="produit", account="86", label="x", amount_planned=1)
        with pytest.raises(ValidationError) as error:
            line.full_clean()
        assert "Un produit utilise un compte 70 à 78 ou 87." in error.value.message_dict["account"]

    def test_subsidy_names_its_funder(self):
        line = BudgetLine(action=ActionFactory(), side="produit", account="74", label="x", amount_planned=1)
        with pytest.raises(ValidationError) as error:
            line.full_clean()
        assert "financeur" in error.value.message_dict["funder"][0]
        line.funder = funder()
        line.full_clean()

    def test_database_refuses_a_mismatched_account(self):
        with pytest.raises(IntegrityError):
            BudgetLineFactory(side="charge", account="74", funder=funder())

    def test_database_refuses_a_negative_amount(self):
        with pytest.raises(IntegrityError):
            BudgetLineFactory(amount_planned=Decimal("-1"))


class TestMissingItems:
    def test_an_empty_draft_lists_what_is_missing(self):
        action = ActionFactory()
        missing = action.missing_items()
        assert "Renseignez le champ « besoin identifié »." in missing
        assert "Cochez au moins un public visé." in missing
        assert "Ajoutez au moins un indicateur d'évaluation." in missing
        assert "Le budget prévisionnel ne comporte aucune charge." in missing

    def test_a_complete_balanced_action_misses_nothing(self):
        assert ActionFactory(complete=True).missing_items() == []

    def test_an_unbalanced_budget_gives_the_gap_in_euros(self):
        action = ActionFactory(complete=True)
        BudgetLineFactory(action=action, account="60", amount_planned=Decimal("1250.50"))
        assert action.missing_items() == [budget_gap_message(Decimal("2250.50"), Decimal("1000"))]
        assert "il manque 1\u202f250,50\u00a0€ de produits" in action.missing_items()[0]

    def test_gap_message_when_produits_exceed(self):
        assert "les produits dépassent les charges de 5,00\u00a0€" in budget_gap_message(Decimal("10"), Decimal("15"))


class TestCallQuerySets:
    def test_open_now_and_published(self):
        open_call = CallFactory()
        closed = CallFactory(closed=True)
        upcoming = CallFactory(upcoming=True)
        hidden = CallFactory(is_published=False)
        assert list(Call.objects.open_now()) == [open_call]
        assert set(Call.objects.published()) == {open_call, closed, upcoming}
        assert not hidden.is_open and open_call.is_open and closed.is_closed

    def test_staff_see_unpublished_calls_of_their_cites_only(self, world):
        mine = CallFactory(cite=world.a.cite, is_published=False)
        other = CallFactory(cite=world.b.cite, is_published=False)
        assert list(Call.objects.visible_to(world.a.coordinator)) == [mine]
        assert list(Call.objects.visible_to(world.a.partner)) == []
        assert set(Call.objects.visible_to(world.admin)) == {mine, other}


class TestActionVisibility:
    def test_submitted_action(self, world, make_action):
        action = make_action(status=Action.Status.SUBMITTED)
        for user in (world.a.coordinator, world.a.pilot, world.a.prefecture, world.a.partner, world.admin):
            assert list(Action.objects.visible_to(user)) == [action], user
        for user in (world.b.coordinator, world.b.pilot, world.b.prefecture, world.b.partner):
            assert not Action.objects.visible_to(user).exists(), user

    def test_a_draft_belongs_to_its_porteur(self, world, make_action):
        draft = make_action()
        assert list(Action.objects.visible_to(world.a.partner)) == [draft]
        assert list(Action.objects.visible_to(world.admin)) == [draft]
        for user in (world.a.coordinator, world.a.pilot, world.a.prefecture, world.b.partner):
            assert not Action.objects.visible_to(user).exists(), user
