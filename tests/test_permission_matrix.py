"""House rule 4: each URL has a row in its app's permission matrix.

Every namespace of the resolver (but Django's own ``admin``) has its matrix module,
``tests/<namespace>/test_permission_matrix.py``, declaring ``NAMESPACE`` and ``ROWS``
(``tests/permission_matrix.py``), and every URL name of the namespace has at least one
row there; the project's own names (``portail/urls.py``) have theirs below.
"""

import importlib

from tests.permission_matrix import Row, missing_rows, namespaces, role_users, run_rows

NAMESPACE = None  # the names of portail/urls.py, outside any namespace
NOT_OURS = {"admin"}  # django.contrib.admin: its own permissions (staff only)

# fmt: off
ROWS = [
    #                        anon ptnr othp coor othc pilo pref othf admn
    # « / » is the landing page of each role: the cité dashboard, or a redirection.
    Row("home",        get="302  200  200  200  200  200  302  302  302"),
    Row("healthcheck", get="200  200  200  200  200  200  200  200  200"),
    # The monitoring's check (a token) or the admin's; 500 here: no worker answers the ping.
    Row("healthcheck_full", get="404  404  404  404  404  404  404  404  500"),
    # ProConnect: 404 until configured (tests/accounts/test_proconnect.py, configured).
    Row("oidc_authentication_init", get="404  404  404  404  404  404  404  404  404"),
    Row("oidc_authentication_callback", get="404  404  404  404  404  404  404  404  404"),
]
# fmt: on


MODULE = "test_permission_matrix"


def matrix_module(namespace):
    return importlib.import_module(f"tests.{namespace}.{MODULE}")


def test_every_url_name_has_a_row_in_its_apps_matrix():
    complaints = missing_rows(NAMESPACE, ROWS)
    for namespace in sorted(namespaces() - NOT_OURS):
        try:
            module = matrix_module(namespace)
        except ModuleNotFoundError as error:
            if error.name not in (f"tests.{namespace}", f"tests.{namespace}.{MODULE}"):
                raise
            complaints.append(f"namespace {namespace} has no permission matrix: tests/{namespace}/{MODULE}.py")
            continue
        assert module.NAMESPACE == namespace, module.__name__
        complaints += missing_rows(namespace, module.ROWS)
    assert not complaints, "\n".join(complaints)


def test_permission_matrix(world):
    run_rows(NAMESPACE, ROWS, None, role_users(world))
