"""The permission matrix of the steering pages and the dashboards (``tests/permission_matrix.py``),
on the objects of cité A of the ``setup`` fixture: a meeting with a document, an action
in review carried by the partner's association, finished reports of each kind (an
evaluation, a financial statement, a COPIL dossier, the action's sheet) and a queued one.

The partner reaches only its own action's sheets; the préfecture reads the evaluation
reports only; the roles of cité B get 404 on everything of cité A.
"""

import pytest

from tests.permission_matrix import Row, assert_complete, objects, role_users, run_rows

NAMESPACE = "pilotage"
EVALUATION = {"kind": "evaluation", "year": "2026"}
FINANCIAL = {"kind": "financial_statement", "year": "2026"}


def dossier(o):
    return {"kind": "copil_dossier", "year": "2026", "meeting": o.meeting.pk}


def cite_query(o):
    return {"cite": o.cite.pk}


# fmt: off
ROWS = [
    #                                                          anon ptnr othp coor othc pilo pref othf admn
    Row("index",                                         get="302  200  200  200  200  200  200  200  200"),
    Row("cite", "cite",                                  get="302  404  404  302  404  302  302  404  302"),
    Row("report_list", "cite",                           get="302  404  404  200  404  200  200  404  200"),
    Row("report_generate", "cite",                       get="302  405  405  405  405  405  405  405  405"),
    Row("report_generate", "cite", label="empty form",  post="302  404  404  422  404  403  422  404  422"),
    Row("report_generate", "cite", data=EVALUATION, label="evaluation",
                                                        post="302  404  404  302  404  403  302  404  302"),
    Row("report_generate", "cite", data=FINANCIAL, label="financial",
                                                        post="302  404  404  302  404  403  403  404  302"),
    Row("report_generate", "cite", data=dossier, label="dossier",
                                                        post="302  404  404  302  404  403  403  404  302"),
    Row("meeting_list", "cite",                          get="302  404  404  200  404  200  200  404  200"),
    Row("meeting_create", "cite",                        get="302  404  404  200  404  403  403  404  200",
                                                        post="302  404  404  200  404  403  403  404  200"),
    Row("meeting_detail", "meeting",                     get="302  404  404  200  404  200  200  404  200"),
    Row("meeting_update", "meeting",                     get="302  404  404  200  404  403  403  404  200",
                                                        post="302  404  404  200  404  403  403  404  200"),
    Row("meeting_attendees", "meeting",                  get="302  404  404  200  404  403  403  404  200",
                                                        post="302  404  404  200  404  403  403  404  200"),
    Row("meeting_agenda", "meeting",                     get="302  404  404  200  404  403  403  404  200",
                                                        post="302  404  404  200  404  403  403  404  200"),
    Row("meeting_decisions", "meeting",                  get="302  404  404  200  404  403  403  404  200",
                                                        post="302  404  404  302  404  403  403  404  302"),
    Row("meeting_validate", "meeting",                   get="302  405  405  405  405  405  405  405  405",
                                                        post="302  404  404  302  404  403  403  404  302"),
    Row("meeting_document_upload", "meeting",            get="302  405  405  405  405  405  405  405  405",
                                                        post="302  404  404  422  404  403  403  404  422"),
    Row("meeting_document_download", "meeting document", get="302  404  404  200  404  200  200  404  200"),
    Row("meeting_document_delete", "meeting document",   get="302  405  405  405  405  405  405  405  405",
                                                        post="302  404  404  302  404  403  403  404  302"),
    Row("meeting_report", "meeting kind",                get="302  405  405  405  405  405  405  405  405",
                                                        post="302  404  404  302  404  403  403  404  302"),
    Row("action_sheets", "action",                       get="302  200  404  200  404  200  200  404  200",
                                                        post="302  302  404  302  404  403  403  404  302"),
    Row("action_programme", "action",                    get="302  403  404  200  404  403  403  404  200",
                                                        post="302  403  404  422  404  403  403  404  422"),
    Row("report_status", "evaluation",                   get="302  404  404  200  404  200  200  404  200"),
    Row("report_status", "financial",                    get="302  404  404  200  404  200  404  404  200"),
    Row("report_status", "dossier",                      get="302  404  404  200  404  200  404  404  200"),
    Row("report_status", "sheet",                        get="302  200  404  200  404  200  404  404  200"),
    Row("report_download", "evaluation",                 get="302  404  404  200  404  200  200  404  200"),
    Row("report_download", "financial",                  get="302  404  404  200  404  200  404  404  200"),
    Row("report_download", "dossier",                    get="302  404  404  200  404  200  404  404  200"),
    Row("report_download", "sheet",                      get="302  200  404  200  404  200  404  404  200"),
    Row("report_cancel", "queued",                       get="302  405  405  405  405  405  405  405  405",
                                                        post="302  404  404  302  404  403  403  404  302"),
    Row("report_download", "queued",                     get="302  404  404  404  404  404  404  404  404"),
    # The dashboards: the cité's is chosen in the query string.
    Row("dashboard_cite", query=cite_query, label="cité A",
                                                         get="302  404  404  200  404  200  200  404  200"),
    Row("dashboard_prefecture",                          get="302  403  403  403  403  403  200  200  200"),
    Row("dashboard_prefecture", query={"departement": "30"}, label="30",
                                                         get="302  403  403  403  403  403  200  404  200"),
    Row("dashboard_prefecture_csv",                      get="302  403  403  403  403  403  200  200  200"),
    Row("dashboard_prefecture_xlsx",                     get="302  403  403  403  403  403  200  200  200"),
    Row("dashboard_national",                            get="302  403  403  403  403  403  403  403  200"),
    Row("dashboard_national_csv",                        get="302  403  403  403  403  403  403  403  200"),
    Row("dashboard_national_xlsx",                       get="302  403  403  403  403  403  403  403  200"),
    Row("dashboard_partner",                             get="302  200  200  403  403  403  403  403  403"),
]
# fmt: on


@pytest.fixture
def matrix_objects(world, setup):
    return objects(cite=world.a.cite, kind="copil_dossier", **setup)


def test_every_url_name_has_a_row():
    assert_complete(NAMESPACE, ROWS)


def test_permission_matrix(world, matrix_objects):
    run_rows(NAMESPACE, ROWS, matrix_objects, role_users(world))
