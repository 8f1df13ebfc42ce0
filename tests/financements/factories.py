"""factory_boy factories for envelopes, funding lines and payments."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from actions.models import Action, BudgetLine
from cites.models import Organisation
from financements.models import Envelope, FundingLine, LineStatus, Payment, Programme
from tests.factories import CiteFactory, OrganisationFactory


def funder(name="Agence nationale de la cohésion des territoires", cites=(), kind=Organisation.Kind.ETAT):
    return OrganisationFactory(name=name, kind=kind, is_funder=True, siret=None, cites=list(cites))


class EnvelopeFactory(DjangoModelFactory):
    class Meta:
        model = Envelope

    cite = factory.SubFactory(CiteFactory)
    funder = factory.LazyAttribute(lambda o: funder(cites=[o.cite]))
    programme = Programme.P147
    year = 2026
    amount = Decimal("10000.00")
    legal_reference = "Arrêté de délégation de crédits"


def make_action(cite, porteur, *, year=2026, title=None, status=Action.Status.PROGRAMMED, objective=1):
    """A submitted action (no workflow: built directly) of ``cite``."""
    n = Action.objects.count() + 1
    return Action.objects.create(
        cite=cite,
        year=year,
        porteur=porteur,
        title=title or f"Action financée n° {n}",
        reference=f"{cite.code}-{year}-{n:03d}",
        status=status,
        national_objective=objective,
    )


def subsidy(action, funder_org, amount, label="Subvention"):
    """An account-74 budget line asking ``funder_org`` for ``amount``."""
    return BudgetLine.objects.create(
        action=action, side="produit", account="74", label=label, funder=funder_org, amount_planned=Decimal(amount)
    )


class FundingLineFactory(DjangoModelFactory):
    """A requested line drawn on ``envelope`` (built with a programmed action of its cité)."""

    class Meta:
        model = FundingLine

    envelope = factory.SubFactory(EnvelopeFactory)
    funder = factory.SelfAttribute("envelope.funder")
    action = factory.LazyAttribute(
        lambda o: make_action(o.envelope.cite, OrganisationFactory(cites=[o.envelope.cite]), year=o.envelope.year)
    )
    requested_amount = Decimal("1000.00")
    status = LineStatus.REQUESTED

    class Params:
        decided = factory.Trait(status=LineStatus.DECIDED, decided_amount=Decimal("1000.00"))
        committed = factory.Trait(
            status=LineStatus.COMMITTED,
            decided_amount=Decimal("1000.00"),
            legal_act_type=FundingLine.LegalActType.ARRETE,
            legal_act_reference="Arrêté n° 2026-001",
            legal_act_date=datetime.date(2026, 4, 1),
        )


class PaymentFactory(DjangoModelFactory):
    class Meta:
        model = Payment

    line = factory.SubFactory(FundingLineFactory, committed=True)
    kind = Payment.Kind.ADVANCE
    amount = Decimal("500.00")
    date = datetime.date(2026, 5, 1)
    reference = "Mandat 1"
