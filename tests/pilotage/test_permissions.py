"""Every pilotage URL for every role: the owner, read-only roles, outsiders (404).

A partner reaches only the action sheets of its own actions; every cité page and every
other report answers 404 to it.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from actions.models import Action
from pilotage.models import MeetingDocument, Report

from .factories import MeetingFactory, ReportFactory

ROLES = ["coordinator_a", "pilot_a", "prefecture_a", "partner_a", "coordinator_b", "partner_b", "admin"]


@pytest.fixture
def setup(world, make_proposal):
    meeting = MeetingFactory(cite=world.a.cite)
    action = make_proposal(status=Action.Status.IN_REVIEW, anct="1000.00")

    def done(**fields):
        report = ReportFactory(cite=world.a.cite, status=Report.Status.DONE, page_count=1, **fields)
        report.file.save(f"r{report.pk}.pdf", ContentFile(b"%PDF-1.7 test"))
        return report

    document = MeetingDocument(
        meeting=meeting,
        title="Diaporama",
        original_name="diaporama.pdf",
        content_type="application/pdf",
        extension=".pdf",
        size=13,
    )
    document.file.save("diaporama.pdf", ContentFile(b"%PDF-1.7 test"))
    return {
        "meeting": meeting,
        "action": action,
        "document": document,
        "evaluation": done(kind=Report.Kind.EVALUATION),
        "financial": done(kind=Report.Kind.FINANCIAL_STATEMENT),
        "dossier": done(kind=Report.Kind.COPIL_DOSSIER, meeting=meeting),
        "sheet": done(kind=Report.Kind.ACTION_SHEET, action=action),
        "queued": ReportFactory(cite=world.a.cite, kind=Report.Kind.EVALUATION),
    }


def user(world, role):
    if role == "admin":
        return world.admin
    name, side = role.rsplit("_", 1)
    return getattr(getattr(world, side), name)


def check(login, world, role, method, url, expected, data=None):
    client = login(user(world, role))
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    if (
        method == "get"
        and expected == 200
        and response.status_code == 200
        and "attachment" not in response.get("Content-Disposition", "")
    ):
        response.content  # noqa: B018 — the page renders (undefined variables fail)
    assert response.status_code == expected, f"{role} {method.upper()} {url}"
    if hasattr(response, "streaming_content"):
        # Consume it: the test client then closes the response without firing
        # ``close_old_connections``, which would close the PostgreSQL connection of the
        # test transaction (a direct ``response.close()`` does).
        b"".join(response.streaming_content)


# expected codes, in ROLES order
MATRIX = {
    ("get", "index"): [200, 200, 200, 200, 200, 200, 200],
    ("get", "report_list"): [200, 200, 200, 404, 404, 404, 200],
    ("get", "meeting_list"): [200, 200, 200, 404, 404, 404, 200],
    ("get", "meeting_detail"): [200, 200, 200, 404, 404, 404, 200],
    ("get", "meeting_create"): [200, 403, 403, 404, 404, 404, 200],
    ("get", "meeting_update"): [200, 403, 403, 404, 404, 404, 200],
    ("get", "meeting_attendees"): [200, 403, 403, 404, 404, 404, 200],
    ("get", "meeting_agenda"): [200, 403, 403, 404, 404, 404, 200],
    ("get", "meeting_decisions"): [200, 403, 403, 404, 404, 404, 200],
    # Before the meeting is held, validation is refused with a message (redirect).
    ("post", "meeting_validate"): [302, 403, 403, 404, 404, 404, 302],
    # The porteur sees its action (403, not 404); an empty form is refused (422).
    ("get", "action_programme"): [200, 403, 403, 403, 404, 404, 200],
    ("post", "action_programme"): [422, 403, 403, 403, 404, 404, 422],
    ("post", "meeting_report"): [302, 403, 403, 404, 404, 404, 302],
    ("post", "report_generate_evaluation"): [302, 403, 302, 404, 404, 404, 302],
    ("post", "report_generate_dossier"): [302, 403, 403, 404, 404, 404, 302],
    ("post", "report_generate_financial"): [302, 403, 403, 404, 404, 404, 302],
    ("post", "meeting_document_upload"): [422, 403, 403, 404, 404, 404, 422],
    ("get", "meeting_document_download"): [200, 200, 200, 404, 404, 404, 200],
    ("get", "action_sheets"): [200, 200, 200, 200, 404, 404, 200],
    ("post", "action_sheets"): [302, 403, 403, 302, 404, 404, 302],
    ("get", "status_evaluation"): [200, 200, 200, 404, 404, 404, 200],
    ("get", "download_evaluation"): [200, 200, 200, 404, 404, 404, 200],
    ("get", "status_dossier"): [200, 200, 404, 404, 404, 404, 200],
    ("get", "download_dossier"): [200, 200, 404, 404, 404, 404, 200],
    ("get", "status_financial"): [200, 200, 404, 404, 404, 404, 200],
    ("get", "download_financial"): [200, 200, 404, 404, 404, 404, 200],
    ("get", "status_sheet"): [200, 200, 404, 200, 404, 404, 200],
    ("get", "download_sheet"): [200, 200, 404, 200, 404, 404, 200],
    ("get", "download_queued"): [404, 404, 404, 404, 404, 404, 404],
}


def target(world, setup, name):
    cite, meeting = world.a.cite, setup["meeting"]
    data = None
    if name.startswith(("status_", "download_")):
        view, report = name.split("_", 1)
        url = reverse(f"pilotage:report_{'status' if view == 'status' else 'download'}", args=[setup[report].pk])
    elif name.startswith("report_generate_"):
        url = reverse("pilotage:report_generate", args=[cite.pk])
        if name.endswith("evaluation"):
            data = {"kind": "evaluation", "year": "2026"}
        elif name.endswith("financial"):
            data = {"kind": "financial_statement", "year": "2026"}
        else:
            data = {"kind": "copil_dossier", "year": "2026", "meeting": meeting.pk}
    elif name in ("report_list", "meeting_list", "meeting_create"):
        url = reverse(f"pilotage:{name}", args=[cite.pk])
    elif name == "meeting_report":
        url = reverse("pilotage:meeting_report", args=[meeting.pk, "copil_dossier"])
    elif name in ("action_sheets", "action_programme"):
        url = reverse(f"pilotage:{name}", args=[setup["action"].pk])
    elif name == "meeting_document_download":
        url = reverse("pilotage:meeting_document_download", args=[meeting.pk, setup["document"].pk])
    elif name == "index":
        url = reverse("pilotage:index")
    else:
        url = reverse(f"pilotage:{name}", args=[meeting.pk])
    return url, data


@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_access_matrix(login, world, setup, method, name, django_capture_on_commit_callbacks):
    url, data = target(world, setup, name)
    for role, expected in zip(ROLES, MATRIX[(method, name)], strict=True):
        with django_capture_on_commit_callbacks(execute=False):  # no PDF generation here
            check(login, world, role, method, url, expected, data)


def test_anonymous_is_sent_to_login(client, setup):
    response = client.get(reverse("pilotage:report_download", args=[setup["evaluation"].pk]))
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_report_list_shows_each_role_its_reports(login, world, setup):
    prefecture_page = login(world.a.prefecture).get(reverse("pilotage:report_list", args=[world.a.cite.pk]))
    content = prefecture_page.content.decode()
    assert reverse("pilotage:report_download", args=[setup["evaluation"].pk]) in content
    assert reverse("pilotage:report_download", args=[setup["dossier"].pk]) not in content
    # The préfecture may only generate the evaluation report.
    assert 'value="evaluation"' in content and 'value="copil_dossier"' not in content
    assert 'value="financial_statement"' not in content
    assert reverse("pilotage:report_download", args=[setup["financial"].pk]) not in content
    pilot_page = login(world.a.pilot).get(reverse("pilotage:report_list", args=[world.a.cite.pk])).content.decode()
    assert reverse("pilotage:report_download", args=[setup["dossier"].pk]) in pilot_page
    assert "Générer un rapport" not in pilot_page  # pilots download, they do not generate


def test_download_is_the_pdf_as_an_attachment(login, world, setup):
    response = login(world.a.partner).get(reverse("pilotage:report_download", args=[setup["sheet"].pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"


def test_a_document_of_another_meeting_is_not_found(login, world, setup):
    other = MeetingFactory(cite=world.a.cite)
    url = reverse("pilotage:meeting_document_download", args=[other.pk, setup["document"].pk])
    assert login(world.a.coordinator).get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("pilot_a", 403), ("prefecture_a", 403), ("partner_a", 404), ("coordinator_b", 404), ("coordinator_a", 302)],
)
def test_only_the_coordination_removes_a_document(login, world, setup, role, expected):
    document = setup["document"]
    url = reverse("pilotage:meeting_document_delete", args=[setup["meeting"].pk, document.pk])
    response = login(user(world, role)).post(url)
    assert response.status_code == expected
    assert MeetingDocument.objects.filter(pk=document.pk).exists() == (expected != 302)
