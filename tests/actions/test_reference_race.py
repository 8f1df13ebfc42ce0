"""Two partners submit two proposals of the same cité and year at the same moment: each
gets its own reference number, and the numbers follow each other.

Runs on every database: on PostgreSQL the counter row lock (``select_for_update``) makes
the second submission wait for the first one's number; on SQLite ``BEGIN IMMEDIATE``
serialises the two writers (the refused attempt is retried, see ``services.serialised``).
"""

import threading

import pytest
from django.db import connection

from actions import services
from actions.models import Action, ReferenceCounter

S = Action.Status


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_get_distinct_consecutive_references(world, make_action):
    first, second = make_action(), make_action()
    start = threading.Barrier(2)
    outcomes = {}

    def submit(action):
        try:
            start.wait(timeout=10)
            services.submit_action(action, by=world.a.partner)
            outcomes[action.pk] = action.reference
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[action.pk] = error
        finally:  # each thread has its own connection: close it, or the test database cannot be dropped
            connection.close()

    threads = [threading.Thread(target=submit, args=(action,)) for action in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(value, str) for value in outcomes.values()), outcomes
    assert sorted(outcomes.values()) == ["CITEA-2026-001", "CITEA-2026-002"]
    stored = dict(Action.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "reference"))
    assert stored == outcomes
    assert set(Action.objects.filter(pk__in=stored).values_list("status", flat=True)) == {S.SUBMITTED}
    assert ReferenceCounter.objects.get(cite=world.a.cite, year=2026).last_number == 2
