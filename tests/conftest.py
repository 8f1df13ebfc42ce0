"""Shared fixtures: a hardened test environment and the role world every view test uses.

The role world holds two cités (A in the Gard, B in the Val-de-Marne) and, for each, a
coordinator, a pilot, a préfecture agent of its département and a partner of an
association working there; plus a superuser. Tests check the owner, a read-only role
and an outsider (404) with it.
"""

import copy
import os
import shutil
from types import SimpleNamespace

import pytest
from django.db.models import OrderBy
from django.db.models.functions import Random
from django.db.models.sql.compiler import SQLCompiler
from django.template import base as template_base

from accounts.models import Membership, Role
from portail.celery import app as celery_app
from tests.factories import PASSWORD, CiteFactory, OrganisationFactory, UserFactory
from tests.otp import force_login_verified
from tests.s3 import s3_server, s3_storage, s3_unreachable  # noqa: F401 (fixtures: a local S3 server)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=fr-FR",
]  # fmt: skip


class UndefinedVariable(str):
    """``string_if_invalid`` that fails the test when our templates print an undefined name."""

    def __mod__(self, name):
        raise template_base.VariableDoesNotExist(f"Variable de gabarit indéfinie : {name!r}")


@pytest.fixture(autouse=True)
def _hardened(settings, tmp_path, request):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Queued mails (core.mail) leave through post-office's backend: the outbox too, one
    # thread so that mail.outbox keeps the order the mails were queued in.
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.locmem.EmailBackend"},
        "THREADS_PER_PROCESS": 1,
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if request.node.get_closest_marker("e2e") is None:
        # Assigning (not mutating) TEMPLATES resets the cached template engines.
        templates = copy.deepcopy(settings.TEMPLATES)
        for engine in templates:
            engine.setdefault("OPTIONS", {})["string_if_invalid"] = UndefinedVariable("%s")
        settings.TEMPLATES = templates
    # Tasks run in-process unless a test asks for the real worker (fixture below).
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True, scope="session")
def _unordered_querysets_in_random_order():
    """A queryset that states no ordering (no ``order_by``, no ``Meta.ordering``, or a
    GROUP BY query, where Django ignores ``Meta.ordering``) comes back in random order, as
    the database is free to do: a page, export or test that relies on insertion order
    fails here rather than in production on PostgreSQL.

    Left alone: an explicit ``order_by()`` (which clears ``default_ordering``: counts,
    ``exists``, aggregates and ``In`` subqueries do the same), ``distinct`` queries (an
    ORDER BY term must be selected there) and compound queries (SQLite refuses ORDER BY
    in their parts). The idea is les-emplois' (after adamj.eu's 2023 article).
    """
    original = SQLCompiler._order_by_pairs

    def _order_by_pairs(self):
        query = self.query
        if (
            query.default_ordering
            and not query.order_by
            and not query.extra_order_by
            and not query.distinct
            and not query.combinator
            and not query.combined_queries
            # Django drops Meta.ordering from GROUP BY queries (``values().annotate()``)
            and (query.group_by is not None or not (query.get_meta() and query.get_meta().ordering))
        ):
            yield OrderBy(Random()), False
            return
        yield from original(self)

    SQLCompiler._order_by_pairs = _order_by_pairs
    yield
    SQLCompiler._order_by_pairs = original


@pytest.fixture
def celery_worker_real(tmp_path, settings):
    """A real Celery worker thread consuming the configured broker (Redis in CI's second
    run; a private filesystem queue otherwise). Tests using it need committed rows:
    mark them ``django_db(transaction=True)``."""
    from celery.contrib.testing.worker import start_worker

    keys = ("task_always_eager", "broker_url", "broker_transport_options", "result_backend")
    saved = {key: celery_app.conf[key] for key in keys}
    broker = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    options = {}
    if broker.startswith("filesystem://"):
        queue = tmp_path / "celery-queue"
        queue.mkdir()
        options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(tmp_path / "celery-control"),
            "store_processed": False,
        }
    elif broker.startswith("redis://"):
        options = {"polling_interval": 0.1}
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=broker,
        broker_transport_options=options,
        result_backend="cache+memory://",
    )
    # Drop connection pools opened on the previous broker (an eager ``delay()`` opens
    # the producer pool too): what Celery itself does in a new process.
    celery_app._after_fork()
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        celery_app.conf.update(saved)
        celery_app._after_fork()


def _member(email, role, **target):
    user = UserFactory(email=email, full_name=email.split("@")[0].replace(".", " ").title())
    Membership.objects.create(user=user, role=role, **target)
    return user


def _cite_world(suffix, departement, name):
    cite = CiteFactory(name=name, code=f"CITE{suffix}", slug=f"cite-{suffix.lower()}", departement=departement)
    organisation = OrganisationFactory(name=f"Association {suffix}", cites=[cite])
    return SimpleNamespace(
        cite=cite,
        organisation=organisation,
        coordinator=_member(f"coordination.{suffix.lower()}@example.org", Role.COORDINATOR, cite=cite),
        pilot=_member(f"pilote.{suffix.lower()}@example.org", Role.PILOT, cite=cite),
        prefecture=_member(f"prefecture.{suffix.lower()}@example.org", Role.PREFECTURE, departement=departement),
        partner=_member(f"partenaire.{suffix.lower()}@example.org", Role.PARTNER, organisation=organisation),
    )


@pytest.fixture
def world(db):
    """Two cités with every role each, and an admin."""
    return SimpleNamespace(
        a=_cite_world("A", "30", "Cité éducative A"),
        b=_cite_world("B", "94", "Cité éducative B"),
        admin=UserFactory(email="admin.test@example.org", admin=True),
        password=PASSWORD,
    )


@pytest.fixture
def login(client):
    """``login(user)`` → the test client logged in as that user, second factor given (a
    real confirmed TOTP device verified the session, see tests/otp.py)."""

    def _login(user):
        return force_login_verified(client, user)

    return _login


# --- Browser journeys ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}
