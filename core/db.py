"""Database helpers that know nothing of the domain."""

import functools
import time

from django.db import OperationalError, connection


def serialised(operation):
    """Retry the whole operation when SQLite reports the database (table) as locked.

    PostgreSQL makes a concurrent writer wait on the row lock; SQLite locks the whole
    database, and in shared-cache mode (the in-memory test database) a second writer is
    refused at once instead of waiting for the busy timeout. The refused attempt was
    rolled back entirely, so running it again from the start is safe — but only when the
    operation owns its transaction (inside a caller's transaction, the error propagates).
    """

    @functools.wraps(operation)
    def wrapped(*args, **kwargs):
        attempt = 0
        while True:
            outermost = not connection.in_atomic_block
            try:
                return operation(*args, **kwargs)
            except OperationalError as error:
                attempt += 1
                retryable = connection.vendor == "sqlite" and "locked" in str(error) and outermost
                if not retryable or attempt >= 100:
                    raise
                time.sleep(min(0.01 * attempt, 0.2))

    return wrapped
