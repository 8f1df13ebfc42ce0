"""A cité's meetings and reports lists: filtered, sorted and paginated with the filters in
the URL, choices limited to what the user reads, invalid values ignored in French, and
a query count that does not grow with the rows."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pilotage.models import Meeting, Report
from tests.querycount import assert_same_query_count, one_by_one

from .factories import AgendaItemFactory, AttendeeFactory, MeetingFactory, ReportFactory

SMALL, LARGE = 3, 15


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def select_values(content, name):
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', content, re.S)
    assert match, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"', match.group(1))


def order_of(content, labels):
    return sorted(labels, key=content.index)


# --- Meetings ----------------------------------------------------------------------------
@pytest.fixture
def meetings(world):
    now = timezone.now()
    past = MeetingFactory(
        cite=world.a.cite, title="COPIL de lancement", starts_at=now - datetime.timedelta(days=400), place="Mairie"
    )
    technical = MeetingFactory(
        cite=world.a.cite,
        title="Comité technique de rentrée",
        kind=Meeting.Kind.TECHNICAL,
        starts_at=now + datetime.timedelta(days=10),
        place="Collège",
    )
    for _ in range(3):
        AttendeeFactory(meeting=technical)
    MeetingFactory(cite=world.b.cite, title="COPIL du Val-de-Marne")
    return past, technical


def test_meeting_list_filter_and_sort(login, world, meetings):
    past, technical = meetings
    client = login(world.a.pilot)
    url = reverse("pilotage:meeting_list", args=[world.a.cite.pk])
    content = get(client, url)
    assert past.title in content and technical.title in content and "Val-de-Marne" not in content

    content = get(client, url, instance=Meeting.Kind.TECHNICAL)
    assert technical.title in content and past.title not in content
    content = get(client, url, periode="passees")
    assert past.title in content and technical.title not in content
    content = get(client, url, annee=str(timezone.localtime(past.starts_at).year))
    assert past.title in content and technical.title not in content
    content = get(client, url, q="rentrée")
    assert technical.title in content and past.title not in content

    titles = [past.title, technical.title]
    assert order_of(get(client, url), titles) == [technical.title, past.title], "default: latest first"
    assert order_of(get(client, url, tri="date"), titles) == [past.title, technical.title]
    assert order_of(get(client, url, tri="-participants"), titles) == [technical.title, past.title]
    assert order_of(get(client, url, tri="lieu"), titles) == [technical.title, past.title]
    content = get(client, url, tri="date", instance=Meeting.Kind.COPIL)
    assert 'aria-sort="ascending"' in content
    assert 'href="?tri=-date&instance=copil"' in content, "the header link keeps the filter"


def test_meeting_list_invalid_values(login, world, meetings):
    client = login(world.a.pilot)
    url = reverse("pilotage:meeting_list", args=[world.a.cite.pk])
    content = get(client, url, annee="l'an dernier", instance="assemblee", periode="demain", tri="-secret", page="99")
    assert "Saisissez un nombre entier" in content
    assert "Sélectionnez un choix valide" in content
    assert all(m.title in content for m in meetings), "invalid filters are ignored"


def test_meeting_list_paginates_with_the_filters(login, world):
    start = timezone.now() - datetime.timedelta(days=100)
    for i in range(30):
        MeetingFactory(cite=world.a.cite, title=f"Revue {i:02d}", starts_at=start + datetime.timedelta(days=i))
    client = login(world.a.coordinator)
    url = reverse("pilotage:meeting_list", args=[world.a.cite.pk])
    content = get(client, url, q="Revue", tri="date")
    assert "Revue 00" in content and "Revue 29" not in content
    assert 'href="?q=Revue&tri=date&page=2"' in content
    content = get(client, url, q="Revue", tri="date", page="2")
    assert "Revue 29" in content and "Revue 00" not in content


def test_meeting_list_queries_flat_with_filters(login, world, make_proposal):
    def build(i):
        meeting = MeetingFactory(
            cite=world.a.cite,
            title=f"Réunion filtrée {i:02d}",
            kind=Meeting.Kind.TECHNICAL,
            starts_at=timezone.now() - datetime.timedelta(days=i + 1),
        )
        AttendeeFactory(meeting=meeting)
        AgendaItemFactory(meeting=meeting, action=make_proposal(anct="1000.00"))
        return meeting.title

    url = reverse("pilotage:meeting_list", args=[world.a.cite.pk]) + "?instance=technical&periode=passees&tri=-lieu"
    assert_same_query_count(login(world.a.pilot), url, one_by_one(build))


# --- Reports -----------------------------------------------------------------------------
@pytest.fixture
def reports(world):
    meeting = MeetingFactory(cite=world.a.cite, title="COPIL de juin")
    evaluation = ReportFactory(cite=world.a.cite, year=2025, status=Report.Status.DONE, page_count=3, size=100)
    dossier = ReportFactory(
        cite=world.a.cite, kind=Report.Kind.COPIL_DOSSIER, meeting=meeting, year=2026, status=Report.Status.FAILED
    )
    ReportFactory(cite=world.b.cite, year=2019)
    return evaluation, dossier


def row(report):
    return f'id="rapport-{report.pk}"'


def test_report_list_filter_and_sort(login, world, reports):
    evaluation, dossier = reports
    client = login(world.a.coordinator)
    url = reverse("pilotage:report_list", args=[world.a.cite.pk])
    content = get(client, url)
    assert row(evaluation) in content and row(dossier) in content

    content = get(client, url, type=Report.Kind.EVALUATION)
    assert row(evaluation) in content and row(dossier) not in content
    content = get(client, url, etat=Report.Status.FAILED)
    assert row(dossier) in content and row(evaluation) not in content
    content = get(client, url, annee="2025")
    assert row(evaluation) in content and row(dossier) not in content

    rows = [row(evaluation), row(dossier)]
    assert order_of(get(client, url, tri="demande"), rows) == rows
    assert order_of(get(client, url, tri="-demande"), rows) == rows[::-1]
    assert order_of(get(client, url, tri="-type"), rows) == rows, "« evaluation » after « copil_dossier »"


def test_report_list_choices_stay_in_scope(login, world, reports):
    url = reverse("pilotage:report_list", args=[world.a.cite.pk])
    content = get(login(world.a.coordinator), url)
    assert select_values(content, "type") == ["", Report.Kind.EVALUATION, Report.Kind.COPIL_DOSSIER]
    assert select_values(content, "annee") == ["", "2026", "2025"], "not cité B's 2019"
    # The préfecture only reads the evaluation reports: no other kind, no other year.
    content = get(login(world.a.prefecture), url)
    assert select_values(content, "type") == ["", Report.Kind.EVALUATION]
    assert select_values(content, "annee") == ["", "2025"]


def test_report_list_invalid_values(login, world, reports):
    client = login(world.a.coordinator)
    url = reverse("pilotage:report_list", args=[world.a.cite.pk])
    content = get(client, url, annee="2019", type="inconnu", etat="", tri="version,-inconnu")
    assert "Sélectionnez un choix valide" in content
    assert all(row(r) in content for r in reports)
    # Invalid filters on a préfecture's page never reveal the other kinds.
    content = get(login(world.a.prefecture), url, type=Report.Kind.COPIL_DOSSIER)
    assert "Sélectionnez un choix valide" in content
    assert row(reports[0]) in content and row(reports[1]) not in content


def test_report_list_queries_flat_with_filters(login, world):
    def build(i):
        report = ReportFactory(
            cite=world.a.cite, year=2026, status=Report.Status.DONE, requested_by=world.a.coordinator, page_count=2
        )
        return row(report)

    url = reverse("pilotage:report_list", args=[world.a.cite.pk]) + "?type=evaluation&etat=done&annee=2026&tri=-version"
    assert_same_query_count(login(world.a.coordinator), url, one_by_one(build))
