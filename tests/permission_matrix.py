"""The permission matrices (house rule 4): every URL name of every app has a row giving,
for each role, the status its GET (and its POST, where the URL accepts one) answers.

An app's ``tests/<app>/test_permission_matrix.py`` declares ``NAMESPACE`` and ``ROWS``;
``tests/test_permission_matrix.py`` checks that every namespace of the resolver has such
a module and that every URL name of the namespace has at least one row. Adding a row is
one line (a second one for the POST codes)::

    Row("detail", "action", get="302  200  404  200  404  200  200  404  200"),

Written ``get="?"`` (or ``post="?"``), the row fails and the message gives the codes the
code answers today: judge them against the rule, then copy them in.

The codes follow ``ROLES``, in this order (the header comment of each matrix repeats it):

- ``anonymous``: nobody logged in (a 302 must lead to the log-in page: checked);
- ``partner``: a partner of the object's organisation (association A, cité A);
- ``other_partner``: a partner of another organisation (association B, cité B);
- ``coordinator``: the coordinator of the object's cité (A); ``other_coordinator``: of B;
- ``pilot``: a pilot of cité A;
- ``prefecture``: the préfecture of A's département (30); ``other_prefecture``: of B's (94);
- ``admin``: the national administration (superuser).

Each role logs in once; each request runs in a savepoint rolled back afterwards: an
accepted POST (or a log-out) changes nothing the next request sees, and the world is
built once per app (one test runs all its rows). A failure lists every cell that differs
(the first 40), then all the rows as the code answers them today. The abbreviations of
the header comments: anon ptnr othp coor othc pilo pref othf admn.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.otp import force_login_verified

ROLES = (
    "anonymous",
    "partner",
    "other_partner",
    "coordinator",
    "other_coordinator",
    "pilot",
    "prefecture",
    "other_prefecture",
    "admin",
)
SHORT = ("anon", "ptnr", "othp", "coor", "othc", "pilo", "pref", "othf", "admn")  # the header comments


def role_users(world):
    """``{role: user or None}`` from the role world of ``tests/conftest.py``."""
    return {
        "anonymous": None,
        "partner": world.a.partner,
        "other_partner": world.b.partner,
        "coordinator": world.a.coordinator,
        "other_coordinator": world.b.coordinator,
        "pilot": world.a.pilot,
        "prefecture": world.a.prefecture,
        "other_prefecture": world.b.prefecture,
        "admin": world.admin,
    }


@dataclass(frozen=True)
class Row:
    """One URL (a name and the arguments built from the app's objects) and the expected
    codes, one per role of ``ROLES``, for GET and, where the URL accepts it, POST.

    ``args`` names attributes of the app's objects (``"convention commitment"``: their
    primary keys, in order), or is a list, a dict or a callable ``objects -> list or dict``
    (None: no arguments); ``data`` (callable or dict) is the POST body; ``query`` the GET
    query string; ``headers`` the request's extra headers (``{"HX-Request": "true"}``);
    ``label`` names the row in messages (by default, its arguments)."""

    name: str
    args: Any = None
    get: str | None = None
    post: str | None = None
    data: Any = None
    query: Any = None
    headers: Any = None
    label: str = ""
    expected: dict = field(init=False, default=None, compare=False)

    def __post_init__(self):
        codes = {}
        for method in ("get", "post"):
            text = getattr(self, method)
            if text is None:
                continue
            # "?": not known yet, the failure shows what the code answers.
            values = [None] * len(ROLES) if text.strip() == "?" else [int(code) for code in text.split()]
            assert len(values) == len(ROLES), f"{self.name}: {len(values)} codes for {len(ROLES)} roles"
            codes[method] = dict(zip(ROLES, values, strict=True))
        assert codes, f"{self.name}: a row gives the GET or the POST codes"
        object.__setattr__(self, "expected", codes)

    @property
    def title(self):
        """The row in messages: its name, and its label or its arguments."""
        detail = self.label
        if not detail and isinstance(self.args, str):
            detail = self.args
        elif not detail and isinstance(self.args, list | tuple):
            detail = " ".join(map(str, self.args))
        return f"{self.name}[{detail}]" if detail else self.name


def _value(spec, objects):
    return spec(objects) if callable(spec) else spec


def _arguments(spec, objects):
    """``"convention commitment"`` → ``[objects.convention.pk, objects.commitment.pk]``
    (an attribute that is not a model instance, a year say, is taken as it is)."""
    if isinstance(spec, str):
        values = [getattr(objects, name) for name in spec.split()]
        return [getattr(value, "pk", value) for value in values]
    return _value(spec, objects)


# --- Enumeration and completeness -------------------------------------------------------
def _names(patterns):
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace is None:
                names |= _names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def _find_namespace(patterns, namespace):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == namespace:
                return pattern
            if pattern.namespace is None:
                found = _find_namespace(pattern.url_patterns, namespace)
                if found is not None:
                    return found
    return None


def url_names(namespace=None):
    """Every URL name of the namespace, walking its includes; ``None``: the project's own
    names (``portail/urls.py``), outside any namespace."""
    root = get_resolver().url_patterns
    if namespace is None:
        return _names(root)  # with the includes that have no namespace (ProConnect's)
    resolver = _find_namespace(root, namespace)
    assert resolver is not None, f"no URL namespace {namespace!r}"
    return _names(resolver.url_patterns)


def namespaces():
    """The namespaces of the resolver (Django's ``admin`` included)."""
    return {p.namespace for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace}


def missing_rows(namespace, rows):
    """The complaints: URL names without a row, rows naming no URL."""
    names, covered = url_names(namespace), {row.name for row in rows}
    shown = namespace or "(project)"
    missing = [f"URL name {name} of namespace {shown} has no row in its permission matrix" for name in names - covered]
    stale = [f"row {name} of namespace {shown} names no URL" for name in covered - names]
    return sorted(missing) + sorted(stale)


def assert_complete(namespace, rows):
    complaints = missing_rows(namespace, rows)
    assert not complaints, "\n".join(complaints)


# --- Running the rows --------------------------------------------------------------------
def _request(client, method, url, row, objects):
    headers = row.headers or {}
    if method == "get":
        return client.get(url, _value(row.query, objects) or {}, headers=headers)
    return client.post(url, _value(row.data, objects) or {}, headers=headers)


def _sessions(users):
    """``{role: session key}``: each user logged in once, before the savepoints (a
    request that logs out or changes the session is rolled back with the rest)."""
    sessions = {}
    for role, user in users.items():
        if user is not None:
            client = Client()
            force_login_verified(client, user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def _answer(role, session, method, url, row, objects, check):
    """The status of one request and what ``check`` finds wrong with it, the database
    rolled back after it (``check`` runs before: it sees what the request wrote)."""
    client = Client(raise_request_exception=False)
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    with transaction.atomic():
        response = _request(client, method, url, row, objects)
        # A streamed body consumed, the test client closes the response without closing
        # the connection of the test transaction.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        problems = check(role, method, response, body) if check else []
        if role == "anonymous" and response.status_code == 302:
            login_page = reverse(settings.LOGIN_URL)
            if not response.url.startswith(login_page):
                problems.append(f"anonymous sent to {response.url}, not to the log-in page")
        transaction.set_rollback(True)
    return response.status_code, problems


def url_of(namespace, row, objects):
    args = _arguments(row.args, objects)
    kwargs = {"kwargs": args} if isinstance(args, dict) else {"args": args or []}
    return reverse(f"{namespace}:{row.name}" if namespace else row.name, **kwargs)


def run_rows(namespace, rows, objects, users, check=None):
    """Every row for every role; the failure lists every differing cell and the rows as
    answered today. ``users``: ``{role: user or None}`` (``role_users(world)``);
    ``check(role, method, response, body)``, optional, returns what else is wrong with
    an answer."""
    prefix = f"{namespace}:" if namespace else ""
    sessions = _sessions(users)
    differences, observed = [], []
    for row in rows:
        url = url_of(namespace, row, objects)
        answered = {}
        for method, expected in row.expected.items():
            where = f"{method.upper()} {prefix}{row.title} ({url})"
            got = {}
            for role in ROLES:
                got[role], problems = _answer(role, sessions.get(role), method, url, row, objects, check)
                differences += [f"{where} {role}: {problem}" for problem in problems]
                if got[role] != expected[role]:
                    differences.append(f"{where} {role}: expected {expected[role] or '?'}, got {got[role]}")
            answered[method] = "  ".join(str(got[role]) for role in ROLES)
        observed.append(f"{row.title}: " + ", ".join(f'{m}="{codes}"' for m, codes in answered.items()))
    shown = differences if len(differences) <= 40 else [*differences[:40], f"… and {len(differences) - 40} more"]
    assert not differences, "\n".join([*shown, "", "Answered today:", "  ".join(SHORT), *observed])


def objects(**named):
    """A namespace of the objects a matrix's rows point at."""
    return SimpleNamespace(**named)
