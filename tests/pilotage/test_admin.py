"""Every pilotage model is in the admin: each changelist and change page answers 200."""

import datetime

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import reverse

from pilotage.models import AgendaItem, Attendee, Meeting, MeetingDocument, ProgrammingDecision, Report

from .factories import AgendaItemFactory, AttendeeFactory, MeetingFactory, ReportFactory

MODELS = [Meeting, AgendaItem, Attendee, MeetingDocument, Report, ProgrammingDecision]


@pytest.fixture
def objects(world, make_proposal):
    meeting = MeetingFactory(cite=world.a.cite)
    action = make_proposal(anct="1000.00")
    document = MeetingDocument(
        meeting=meeting,
        title="Relevé de décisions",
        original_name="releve.pdf",
        content_type="application/pdf",
        extension=".pdf",
        size=13,
        uploaded_by=world.a.coordinator,
    )
    document.file.save("releve.pdf", ContentFile(b"%PDF-1.7 test"))
    report = ReportFactory(cite=world.a.cite, kind=Report.Kind.COPIL_DOSSIER, meeting=meeting, status="done")
    report.file.save("dossier.pdf", ContentFile(b"%PDF-1.7 test"))
    return {
        Meeting: meeting,
        AgendaItem: AgendaItemFactory(meeting=meeting, action=action, title=str(action)),
        Attendee: AttendeeFactory(meeting=meeting),
        MeetingDocument: document,
        Report: report,
        ProgrammingDecision: ProgrammingDecision.objects.create(
            action=action, decided_on=datetime.date(2026, 3, 2), reason="Urgence", recorded_by=world.a.coordinator
        ),
    }


def test_every_pilotage_model_is_registered():
    registered = {model for model in admin.site._registry if model._meta.app_label == "pilotage"}
    assert registered == set(MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_and_change_page_answer_200_for_a_superuser(login, world, objects, model):
    client = login(world.admin)
    info = (model._meta.app_label, model._meta.model_name)
    changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert changelist.status_code == 200
    assert str(objects[model]) in changelist.content.decode()
    change = client.get(reverse("admin:{}_{}_change".format(*info), args=[objects[model].pk]))
    assert change.status_code == 200


def test_report_file_fields_are_read_only(login, world, objects):
    report = objects[Report]
    page = login(world.admin).get(reverse("admin:pilotage_report_change", args=[report.pk])).content.decode()
    assert report.file.name in page  # shown as text…
    for field in ("file", "size", "page_count", "progress"):
        assert f'name="{field}"' not in page  # …never as an input
    assert "/media-non-servi/" not in page  # and never linked


def test_meeting_page_has_agenda_and_attendee_inlines(login, world, objects):
    meeting = objects[Meeting]
    page = login(world.admin).get(reverse("admin:pilotage_meeting_change", args=[meeting.pk])).content.decode()
    assert 'name="agenda_items-TOTAL_FORMS"' in page and 'name="attendees-TOTAL_FORMS"' in page
    assert "Relevé de décisions" in page and "/media-non-servi/" not in page


def test_programming_decisions_are_read_only(login, world, objects):
    """They move an action and its money: recorded only through the decision screens."""
    decision = objects[ProgrammingDecision]
    page = (
        login(world.admin)
        .get(reverse("admin:pilotage_programmingdecision_change", args=[decision.pk]))
        .content.decode()
    )
    assert "Urgence" in page and 'name="reason"' not in page
