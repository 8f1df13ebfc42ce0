"""The permission matrix of the accounts pages (``tests/permission_matrix.py``).

Log-in, password reset and invitation pages are public: every role gets them (a logged-in
user on the log-in page is sent home). The links point at a pending invitation to cité A
and at an invalid password reset token (the page says the link is dead).
"""

import pytest

from accounts.models import Invitation, Role
from tests.permission_matrix import Row, assert_complete, objects, role_users, run_rows

NAMESPACE = "accounts"
RESET = {"uidb64": "MQ", "token": "set-password"}

# fmt: off
ROWS = [
    #                                           anon ptnr othp coor othc pilo pref othf admn
    Row("login",                          get="200  302  302  302  302  302  302  302  302",
                                         post="200  302  302  302  302  302  302  302  302"),
    Row("logout",                         get="302  405  405  405  405  405  405  405  405",
                                         post="302  302  302  302  302  302  302  302  302"),
    # Sessions here have passed the second factor: its pages send them on (tests/accounts/test_second_factor.py).
    Row("second_factor",                  get="302  302  302  302  302  302  302  302  302",
                                         post="302  302  302  302  302  302  302  302  302"),
    Row("second_factor_setup",            get="302  302  302  302  302  302  302  302  302",
                                         post="302  302  302  302  302  302  302  302  302"),
    Row("second_factor_recovery_codes",   get="302  200  200  200  200  200  200  200  200",
                                         post="302  200  200  200  200  200  200  200  200"),
    Row("my_account",                     get="302  200  200  200  200  200  200  200  200",
                                         post="302  200  200  200  200  200  200  200  200"),
    Row("password_change",                get="302  200  200  200  200  200  200  200  200",
                                         post="302  200  200  200  200  200  200  200  200"),
    Row("password_change_done",           get="302  200  200  200  200  200  200  200  200"),
    Row("password_reset",                 get="200  200  200  200  200  200  200  200  200",
                                         post="200  200  200  200  200  200  200  200  200"),
    Row("password_reset_done",            get="200  200  200  200  200  200  200  200  200"),
    Row("password_reset_confirm", RESET,  get="200  200  200  200  200  200  200  200  200",
                                         post="200  200  200  200  200  200  200  200  200"),
    Row("password_reset_complete",        get="200  200  200  200  200  200  200  200  200"),
    Row("invitation_accept", "token",     get="200  200  200  200  200  200  200  200  200",
                                         post="200  200  200  200  200  200  200  200  200"),
    Row("invitation_accept", ["inconnu"], get="404  404  404  404  404  404  404  404  404", label="unknown"),
]
# fmt: on


@pytest.fixture
def matrix_objects(world):
    _, token = Invitation.create_with_token(
        email="invitee@example.org", role=Role.PILOT, cite=world.a.cite, invited_by=world.a.coordinator
    )
    return objects(token=token)


def test_permission_matrix(world, matrix_objects):
    run_rows(NAMESPACE, ROWS, matrix_objects, role_users(world))


def test_every_url_name_has_a_row():
    assert_complete(NAMESPACE, ROWS)
