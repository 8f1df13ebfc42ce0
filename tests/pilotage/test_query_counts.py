"""The report list and the meeting list run the same number of queries at two sizes."""

import datetime

from django.urls import reverse
from django.utils import timezone

from actions.models import Opinion
from pilotage.models import Report
from tests.querycount import assert_same_query_count, one_by_one

from .factories import AgendaItemFactory, AttendeeFactory, MeetingFactory, ReportFactory


def test_report_list(login, world, make_proposal):
    meeting = MeetingFactory(cite=world.a.cite, title="COPIL témoin")

    def build(i):
        kind = [Report.Kind.EVALUATION, Report.Kind.COPIL_DOSSIER, Report.Kind.ACTION_SHEET][i % 3]
        fields = {"meeting": meeting} if kind == Report.Kind.COPIL_DOSSIER else {}
        if kind == Report.Kind.ACTION_SHEET:
            fields["action"] = make_proposal(anct="1000.00")
        status = [Report.Status.DONE, Report.Status.QUEUED, Report.Status.FAILED][i % 3]
        report = ReportFactory(
            cite=world.a.cite,
            kind=kind,
            status=status,
            requested_by=world.a.coordinator,
            page_count=2,
            size=1000,
            error="Motif" if status == Report.Status.FAILED else "",
            **fields,
        )
        return f'id="rapport-{report.pk}"'

    assert_same_query_count(
        login(world.a.coordinator), reverse("pilotage:report_list", args=[world.a.cite.pk]), one_by_one(build)
    )


def test_meeting_list(login, world, make_proposal):
    def build(i):
        meeting = MeetingFactory(
            cite=world.a.cite, title=f"Réunion témoin {i:02d}", starts_at=timezone.now() - datetime.timedelta(days=i)
        )
        AttendeeFactory(meeting=meeting)
        AttendeeFactory(meeting=meeting, presence="excused")
        AgendaItemFactory(meeting=meeting, action=make_proposal(anct="1000.00"))
        return f"Réunion témoin {i:02d}"

    assert_same_query_count(
        login(world.a.pilot), reverse("pilotage:meeting_list", args=[world.a.cite.pk]), one_by_one(build)
    )


def test_decision_screen_with_the_troika_opinions(login, world, make_proposal):
    meeting = MeetingFactory(cite=world.a.cite, title="COPIL témoin")

    def build(i):
        action = make_proposal(anct="1000.00", agglo="500.00", title=f"Proposition témoin {i:02d}")
        AgendaItemFactory(meeting=meeting, action=action)
        Opinion.objects.create(action=action, author=world.a.pilot, verdict="favourable", comment=f"Avis {i:02d}")
        Opinion.objects.create(action=action, author=world.a.prefecture, verdict="reserved")
        return f"Avis {i:02d}"

    url = reverse("pilotage:meeting_decisions", args=[meeting.pk])
    assert_same_query_count(login(world.a.coordinator), url, one_by_one(build))
