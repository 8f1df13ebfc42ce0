"""Two coordinators decide the last euros of an envelope at the same time: one wins.

Runs on every database: on PostgreSQL the envelope row lock (``select_for_update``)
makes the second transaction wait and then see the first one's decision; on SQLite
``BEGIN IMMEDIATE`` serialises the two writers in the same way.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from financements.models import Envelope
from financements.services import FundingError, decide_lines_bulk

from .factories import EnvelopeFactory, FundingLineFactory


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_deciding_the_last_euros(world):
    envelope = EnvelopeFactory(cite=world.a.cite, amount=Decimal("10000.00"))
    FundingLineFactory(envelope=envelope, decided=True, decided_amount=Decimal("7000.00"))
    first = FundingLineFactory(envelope=envelope, requested_amount=Decimal("3000.00"))
    second = FundingLineFactory(envelope=envelope, requested_amount=Decimal("3000.00"))
    start = threading.Barrier(2)
    outcomes = {}

    def decide(line):
        try:
            start.wait(timeout=10)
            decide_lines_bulk([(line, Decimal("3000.00"))], by=world.a.coordinator)
            outcomes[line.pk] = "ok"
        except FundingError as error:
            outcomes[line.pk] = error
        finally:  # each thread has its own connection: close it, or the test database cannot be dropped
            connection.close()

    threads = [threading.Thread(target=decide, args=(line,)) for line in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(str(o) == "ok" for o in outcomes.values()) == [False, True], outcomes
    refused = next(o for o in outcomes.values() if o != "ok")
    assert "Enveloppe dépassée" in str(refused)
    envelope = Envelope.objects.get(pk=envelope.pk)
    decided = sum(line.decided_amount or 0 for line in envelope.lines.filter(status="decided"))
    assert decided == envelope.stored_decided == Decimal("10000.00") <= envelope.amount
