"""A funded cité A: two envelopes, three actions at different stages, payments.

- ANCT (programme 147): 10 000 € envelope; Ville A (collectivité): 5 000 €.
- action 1 (porteur: the partner's association): ANCT 4 000 € decided, committed, 2 000 € paid;
  Ville A 1 000 € requested.
- action 2 (another association): ANCT 3 000 € requested.
- a line of cité B (for the outsiders).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from cites.models import Organisation
from financements import services
from financements.models import Programme
from tests.factories import OrganisationFactory

from .factories import EnvelopeFactory, FundingLineFactory, PaymentFactory, funder, make_action


@pytest.fixture
def money(world):
    a = world.a
    anct = funder("ANCT", cites=[a.cite, world.b.cite])
    ville = funder("Ville A", cites=[a.cite], kind=Organisation.Kind.COLLECTIVITE)
    p147 = EnvelopeFactory(cite=a.cite, funder=anct, programme=Programme.P147, amount=Decimal("10000.00"))
    local = EnvelopeFactory(cite=a.cite, funder=ville, programme=Programme.COLLECTIVITE, amount=Decimal("5000.00"))
    action1 = make_action(a.cite, a.organisation, title="Ateliers lecture", objective=1)
    other = OrganisationFactory(name="Centre social du quartier", cites=[a.cite])
    action2 = make_action(a.cite, other, title="Sorties culturelles", objective=3)
    line1 = FundingLineFactory(
        envelope=p147,
        action=action1,
        requested_amount=Decimal("4000.00"),
        committed=True,
        decided_amount=Decimal("4000.00"),
    )
    PaymentFactory(line=line1, amount=Decimal("2000.00"), date=datetime.date(2026, 5, 2))
    line1b = FundingLineFactory(envelope=local, action=action1, requested_amount=Decimal("1000.00"))
    line2 = FundingLineFactory(envelope=p147, action=action2, requested_amount=Decimal("3000.00"))
    b_envelope = EnvelopeFactory(cite=world.b.cite, funder=anct, amount=Decimal("8000.00"))
    b_action = make_action(world.b.cite, world.b.organisation, title="Action de la cité B")
    b_line = FundingLineFactory(envelope=b_envelope, action=b_action, requested_amount=Decimal("500.00"))
    services.refresh_envelope_totals()  # the factories write the rows directly
    return SimpleNamespace(
        world=world,
        cite=a.cite,
        anct=anct,
        ville=ville,
        p147=p147,
        local=local,
        action1=action1,
        action2=action2,
        line1=line1,
        line1b=line1b,
        line2=line2,
        b_envelope=b_envelope,
        b_action=b_action,
        b_line=b_line,
        services=services,
    )
