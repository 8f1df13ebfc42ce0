"""factory_boy factories for calls, actions and their budgets."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from actions.models import Action, AgeBand, BudgetLine, Call, Indicator
from cites.models import Organisation
from tests.factories import CiteFactory, OrganisationFactory


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call
        skip_postgeneration_save = True

    cite = factory.SubFactory(CiteFactory)
    year = 2026
    title = factory.Sequence(lambda n: f"Appel à projets n° {n}")
    text = "Règlement de l'appel à projets."
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=20))
    envelope = Decimal("150000.00")
    is_published = True

    class Params:
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=60)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1)),
        )
        upcoming = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=5)),
            closes_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=40)),
        )


class ActionFactory(DjangoModelFactory):
    """A draft by default; ``complete=True`` fills every field needed to submit, with an
    indicator and a balanced budget (1 000 € of charges, 1 000 € of produits)."""

    class Meta:
        model = Action
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    cite = factory.SelfAttribute("call.cite")
    year = factory.SelfAttribute("call.year")
    porteur = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Action n° {n}")

    class Params:
        complete = factory.Trait(
            national_objective=1,
            need="Des élèves en difficulté de lecture.",
            objectives="Améliorer la lecture.",
            description="Ateliers hebdomadaires.",
            start_date=datetime.date(2026, 9, 1),
            end_date=datetime.date(2027, 6, 30),
            place="Collège Jean Moulin",
            age_bands=[AgeBand.AGE_11_15],
            expected_participants=40,
            expected_girls=20,
            expected_boys=20,
            contact_name="Camille Martin",
            contact_email="camille.martin@example.org",
        )

    @factory.post_generation
    def with_budget(self, create, extracted, **kwargs):
        if create and (extracted or (extracted is None and self.national_objective)):
            balanced_budget(self)
            IndicatorFactory(action=self)


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator

    action = factory.SubFactory(ActionFactory)
    label = "Élèves accompagnés"
    target = Decimal("40")
    unit = "élèves"


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    action = factory.SubFactory(ActionFactory)
    side = BudgetLine.Side.CHARGE
    account = "60"
    label = "Fournitures"
    amount_planned = Decimal("100.00")


def funder(name="État – ANCT programme 147"):
    return OrganisationFactory(name=name, kind=Organisation.Kind.ETAT, is_funder=True)


def balanced_budget(action, amount=Decimal("1000.00")):
    BudgetLineFactory(
        action=action, side=BudgetLine.Side.CHARGE, account="64", label="Animateurs", amount_planned=amount
    )
    BudgetLineFactory(
        action=action,
        side=BudgetLine.Side.PRODUIT,
        account="74",
        label="Subvention Cité éducative",
        funder=funder(),
        amount_planned=amount,
    )


def complete_bilan(action, *, actual_ratio=Decimal("1")):
    """A bilan ready to transmit: texts, one age band of beneficiaries, every indicator's
    result, and every budget line's actual amount (planned × ``actual_ratio``)."""
    from actions.models import BeneficiaryCount, Bilan

    bilan, _ = Bilan.objects.update_or_create(
        action=action, defaults={"carried_out": "Trente séances tenues.", "results": "Lecture améliorée."}
    )
    BeneficiaryCount.objects.update_or_create(
        bilan=bilan, age_band=AgeBand.AGE_11_15, defaults={"girls": 18, "boys": 17, "living_in_qpv": 30}
    )
    action.indicators.update(result=Decimal("35"))
    for line in action.budget_lines.all():
        line.amount_actual = (line.amount_planned * actual_ratio).quantize(Decimal("0.01"))
        line.save(update_fields=["amount_actual"])
    return bilan
