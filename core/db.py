"""Database helpers that know nothing of the domain."""

import functools
import time

from django.db import OperationalError, connection, transaction


def serialised(operation):
    """Run the operation in a transaction of its own, and run it again from the start
    when SQLite reports the database (table) as locked before that transaction committed.

    PostgreSQL makes a concurrent writer wait on the row lock; SQLite locks the whole
    database, and in shared-cache mode (the in-memory test database) a second writer is
    refused at once instead of waiting for the busy timeout. A refused attempt is rolled
    back entirely, so running it again is safe — but only while nothing was committed:

    - the operation runs inside one outermost ``atomic`` block opened here, so its own
      ``atomic`` blocks are savepoints and nothing commits before the whole operation
      ends (an operation of several transactions would otherwise be re-run after the
      first ones committed);
    - an error raised after COMMIT (by an ``on_commit`` callback: an eager Celery task
      reading a table another connection is writing) is raised, never retried;
    - inside a caller's transaction the caller owns the commit: the error propagates.
    """

    @functools.wraps(operation)
    def wrapped(*args, **kwargs):
        if connection.in_atomic_block:
            return operation(*args, **kwargs)
        attempt = 0
        while True:
            committed = []
            try:
                with transaction.atomic():
                    # Registered first, so it runs first once COMMIT succeeded.
                    transaction.on_commit(functools.partial(committed.append, True))
                    return operation(*args, **kwargs)
            except OperationalError as error:
                attempt += 1
                retryable = connection.vendor == "sqlite" and "locked" in str(error) and not committed
                if not retryable or attempt >= 100:
                    raise
                time.sleep(min(0.01 * attempt, 0.2))

    return wrapped
