"""Report requests through the pages (issue 14): an identical request still queued or
running (same kind, cité, year, meeting or action — by anyone of the cité) gives back the
report on its way instead of a new version, and one user may not ask for more than
``REPORT_REQUESTS_LIMIT`` reports per ``REPORT_REQUESTS_WINDOW``: refused in French,
never a 500."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from pilotage import jobs
from pilotage.models import Report

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
ALREADY = "Un rapport identique est déjà en cours de génération"


def generate_url(world):
    return reverse("pilotage:report_generate", args=[world.a.cite.pk])


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_identical_request_returns_the_report_on_its_way(login, world):
    coordinator = login(world.a.coordinator)
    first = coordinator.post(generate_url(world), {"kind": "evaluation", "year": "2026"})
    assert first.status_code == 302 and "en file d'attente" in _messages(first)[0]
    report = Report.objects.get()

    # The same request again, by the same user and by another member of the cité.
    again = coordinator.post(generate_url(world), {"kind": "evaluation", "year": "2026"})
    assert again.status_code == 302 and _messages(again)[-1:] == [
        "Un rapport identique est déjà en cours de génération : il apparaît dans la liste ci-dessous."
    ]
    prefecture = login(world.a.prefecture)
    row = prefecture.post(generate_url(world), {"kind": "evaluation", "year": "2026"}, headers=HTMX)
    assert row.status_code == 200 and ALREADY in row.content.decode()
    assert f'id="rapport-{report.pk}"' not in row.content.decode()  # no second row of the same report
    assert Report.objects.count() == 1

    # Running: still the same one.
    jobs.claim(report.pk, "busy")
    prefecture.post(generate_url(world), {"kind": "evaluation", "year": "2026"})
    assert Report.objects.count() == 1

    # Other parameters are another report.
    coordinator = login(world.a.coordinator)  # one test client: log the coordinator in again
    coordinator.post(generate_url(world), {"kind": "evaluation", "year": "2025"})
    coordinator.post(generate_url(world), {"kind": "financial_statement", "year": "2026"})
    assert Report.objects.count() == 3

    # Finished (done, failed or cancelled): a new request is a new version.
    jobs.fail(report.pk, "Échec pour le test")
    response = coordinator.post(generate_url(world), {"kind": "evaluation", "year": "2026"}, headers=HTMX)
    assert response.status_code == 201
    newest = Report.objects.filter(kind="evaluation", year=2026).order_by("-version").first()
    assert newest.version == 2 and newest.status == Report.Status.QUEUED


def test_the_other_cite_never_receives_this_cites_report(login, world):
    login(world.a.coordinator).post(generate_url(world), {"kind": "evaluation", "year": "2026"})
    url = reverse("pilotage:report_generate", args=[world.b.cite.pk])
    response = login(world.b.coordinator).post(url, {"kind": "evaluation", "year": "2026"}, headers=HTMX)
    assert response.status_code == 201
    assert sorted(Report.objects.values_list("cite_id", flat=True)) == sorted([world.a.cite.pk, world.b.cite.pk])


def test_the_action_sheet_and_the_copil_documents_are_deduplicated_too(login, world, make_proposal):
    action = make_proposal(anct="5000.00")
    partner = login(world.a.partner)
    url = reverse("pilotage:action_sheets", args=[action.pk])
    assert partner.post(url).status_code == 302
    response = login(world.a.coordinator).post(url, follow=True)
    assert response.status_code == 200 and ALREADY in response.content.decode()
    assert Report.objects.filter(action=action).count() == 1

    meeting = MeetingFactory(cite=world.a.cite)
    coordinator = login(world.a.coordinator)  # the same client, logged in again
    url = reverse("pilotage:meeting_report", args=[meeting.pk, "copil_dossier"])
    assert coordinator.post(url, headers=HTMX).status_code == 201
    response = coordinator.post(url, headers=HTMX)
    assert response.status_code == 200 and ALREADY in response.content.decode()
    assert Report.objects.filter(meeting=meeting).count() == 1


def test_too_many_requests_are_refused_in_french(login, world, settings):
    settings.REPORT_REQUESTS_LIMIT = 3
    client = login(world.a.coordinator)
    for year in (2023, 2024, 2025):
        assert client.post(generate_url(world), {"kind": "evaluation", "year": str(year)}).status_code == 302
    refused = client.post(generate_url(world), {"kind": "evaluation", "year": "2026"}, follow=True)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Vous avez demandé 3 rapports ces 10 dernières minutes" in page
    row = client.post(generate_url(world), {"kind": "evaluation", "year": "2026"}, headers=HTMX)
    assert row.status_code == 200 and "fr-alert--error" in row.content.decode()
    assert Report.objects.count() == 3
    # An identical request is not a new one: it is answered, not refused.
    again = client.post(generate_url(world), {"kind": "evaluation", "year": "2025"}, headers=HTMX)
    assert ALREADY in again.content.decode()
    # The limit is the user's: a colleague may still ask.
    other = login(world.a.prefecture).post(generate_url(world), {"kind": "evaluation", "year": "2026"}, headers=HTMX)
    assert other.status_code == 201

    # Once the window has passed, the user may ask again.
    client = login(world.a.coordinator)
    Report.objects.filter(requested_by=world.a.coordinator).update(
        created_at=timezone.now() - settings.REPORT_REQUESTS_WINDOW - timedelta(seconds=1)
    )
    response = client.post(generate_url(world), {"kind": "financial_statement", "year": "2026"}, headers=HTMX)
    assert response.status_code == 201
