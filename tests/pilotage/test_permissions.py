"""The pilotage pages beyond the permission matrix (``test_permission_matrix.py``, built
on the ``setup`` fixture of conftest.py): what each role sees of the reports and documents.

A partner reaches only the action sheets of its own actions; every cité page and every
other report answers 404 to it.
"""

import pytest
from django.urls import reverse

from pilotage.models import MeetingDocument

from .factories import MeetingFactory


def user(world, role):
    if role == "admin":
        return world.admin
    name, side = role.rsplit("_", 1)
    return getattr(getattr(world, side), name)


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
