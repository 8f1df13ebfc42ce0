"""The permission matrix of the money pages (``tests/permission_matrix.py``), on the funded
cité A of the ``money`` fixture: action 1 is carried by the partner's association, action 2
by another association of cité A (a partner of that one is « another organisation » too).

Cité pages are the staff's: partners 403; pilot and préfecture of A read (edits 403);
roles of cité B 404.
"""

import pytest

from tests.permission_matrix import Row, assert_complete, objects, role_users, run_rows

NAMESPACE = "financements"
YEAR = "cite year"

# fmt: off
ROWS = [
    #                                              anon ptnr othp coor othc pilo pref othf admn
    Row("index",                             get="302  302  302  200  200  200  200  200  200"),
    Row("my_funding",                        get="302  200  200  403  403  403  403  403  403"),
    Row("overview", YEAR,                    get="302  403  403  200  404  200  200  404  200"),
    Row("programming", YEAR,                 get="302  403  403  200  404  200  200  404  200",
                                            post="302  403  403  302  404  403  403  404  302"),
    Row("envelope_create", YEAR,             get="302  403  403  200  404  403  403  404  200",
                                            post="302  403  403  200  404  403  403  404  200"),
    Row("export_xlsx", YEAR,                 get="302  403  403  200  404  200  200  404  200"),
    Row("export_csv", "cite year envelopes", get="302  403  403  200  404  200  200  404  200"),
    Row("export_csv", "cite year lines",     get="302  403  403  200  404  200  200  404  200"),
    Row("export_csv", "cite year payments",  get="302  403  403  200  404  200  200  404  200"),
    Row("envelope_detail", "p147",           get="302  403  403  200  404  200  200  404  200"),
    Row("envelope_update", "p147",           get="302  403  403  200  404  403  403  404  200",
                                            post="302  403  403  200  404  403  403  404  200"),
    Row("action_funding", "action1",         get="302  200  404  200  404  200  200  404  200"),
    Row("action_funding", "action2",         get="302  404  404  200  404  200  200  404  200"),
    Row("lines_from_budget", "action1",      get="302  405  405  405  405  405  405  405  405",
                                            post="302  403  404  302  404  403  403  404  302"),
    Row("lines_from_budget", "action2",     post="302  404  404  302  404  403  403  404  302"),
    Row("line_detail", "line1",              get="302  200  404  200  404  200  200  404  200",
                                            post="302  405  405  405  405  405  405  405  405"),
    Row("line_detail", "line2",              get="302  404  404  200  404  200  200  404  200"),
    Row("line_amounts", "line1",             get="302  403  404  200  404  403  403  404  200",
                                            post="302  403  404  200  404  403  403  404  200"),
    Row("line_amounts", "line2",             get="302  404  404  200  404  403  403  404  200",
                                            post="302  404  404  200  404  403  403  404  200"),
    Row("line_legal_act", "line1",           get="302  403  404  200  404  403  403  404  200",
                                            post="302  403  404  200  404  403  403  404  200"),
    Row("line_payment", "line1",             get="302  403  404  200  404  403  403  404  200",
                                            post="302  403  404  200  404  403  403  404  200"),
    Row("line_payment", "line2",             get="302  404  404  200  404  403  403  404  200"),
    Row("line_status", "line1",              get="302  403  404  200  404  403  403  404  200",
                                            post="302  403  404  200  404  403  403  404  200"),
    Row("line_recovery", "line1",            get="302  403  404  200  404  403  403  404  200",
                                            post="302  403  404  200  404  403  403  404  200"),
]
# fmt: on


@pytest.fixture
def matrix_objects(money):
    return objects(
        cite=money.cite, year=2026, envelopes="enveloppes", lines="lignes", payments="versements",
        p147=money.p147, action1=money.action1, action2=money.action2, line1=money.line1, line2=money.line2,
    )  # fmt: skip


def test_every_url_name_has_a_row():
    assert_complete(NAMESPACE, ROWS)


def test_permission_matrix(world, matrix_objects):
    run_rows(NAMESPACE, ROWS, matrix_objects, role_users(world))
