"""Two partners submit two proposals of the same cité and year at the same moment: each
gets its own reference number, and the numbers follow each other.

Runs on every database: on PostgreSQL the counter row lock (``select_for_update``) makes
the second submission wait for the first one's number; on SQLite ``BEGIN IMMEDIATE``
serialises the two writers (the refused attempt is retried, see ``core.db.serialised``).

The two threads meet at fixed points, so the test says the same thing every time: the
first submission holds its number, uncommitted, until the second one has been held up
(refused and retried on SQLite, waiting on a lock on PostgreSQL); then it commits.
"""

import threading
import time

import pytest
from django.db import OperationalError, connection

from actions import services
from actions.models import Action, ReferenceCounter

S = Action.Status
TIMEOUT = 30


def wait_until_another_session_waits_on_a_lock():
    """PostgreSQL: poll the server until a session of the test database is blocked on a lock."""
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction, PostgreSQL keeps the first snapshot of its statistics
            # views: clear it, or the other session's wait is never seen.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_get_distinct_consecutive_references(world, make_action, monkeypatch):
    first, second = make_action(), make_action()
    first_holds_its_number = threading.Event()
    second_refused = threading.Event()
    first_done = threading.Event()
    refused, outcomes = [], {}
    next_reference = services.next_reference

    def holding_next_reference(cite, year):
        reference = next_reference(cite, year)
        if threading.current_thread().name == "first":
            first_holds_its_number.set()
            if connection.vendor == "sqlite":
                held_up = second_refused.wait(TIMEOUT)
            else:
                held_up = wait_until_another_session_waits_on_a_lock()
            assert held_up, "the second submission was not held up while the first held the counter"
        return reference

    def watch_second(execute, sql, params, many, context):
        """SQLite refuses the second writer at once: note it, and let the retry wait until
        the first submission is over (its e-mail, an eager task, reads the actions)."""
        try:
            return execute(sql, params, many, context)
        except OperationalError:
            refused.append(sql)
            second_refused.set()
            first_done.wait(TIMEOUT)
            raise

    monkeypatch.setattr(services, "next_reference", holding_next_reference)

    def submit(action, after=None):
        try:
            if after is None:
                services.submit_action(action, by=world.a.partner)
            else:
                assert after.wait(TIMEOUT)
                with connection.execute_wrapper(watch_second):
                    services.submit_action(action, by=world.a.partner)
            outcomes[action.pk] = action.reference
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[action.pk] = error
        finally:
            connection.close()  # each thread has its own connection, or the test database cannot be dropped
            if after is None:
                first_done.set()

    threads = [
        threading.Thread(target=submit, args=(first,), name="first"),
        threading.Thread(target=submit, args=(second, first_holds_its_number), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)

    assert outcomes == {first.pk: "CITEA-2026-001", second.pk: "CITEA-2026-002"}
    # SQLite refused the second writer once, and its retry succeeded; PostgreSQL made it wait
    assert len(refused) == (1 if connection.vendor == "sqlite" else 0), refused
    stored = dict(Action.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "reference"))
    assert stored == outcomes
    assert set(Action.objects.filter(pk__in=stored).values_list("status", flat=True)) == {S.SUBMITTED}
    assert ReferenceCounter.objects.get(cite=world.a.cite, year=2026).last_number == 2
