"""The demo meetings and reports (``load_demo``'s last step), loaded twice."""

from django.core.management import call_command

from pilotage.models import AgendaItem, Attendee, Meeting, ProgrammingDecision, Report

from .conftest import pdf_text, read_report, squash


def test_load_demo_meetings_and_reports(db):
    call_command("load_demo", verbosity=0)
    alencon = Meeting.objects.get(cite__slug="alencon-perseigne")
    assert alencon.attendees.filter(presence=Attendee.Presence.PRESENT).count() == 61
    held = Meeting.objects.get(cite__slug="ales-agglomeration", title="COPIL de programmation 2026")
    assert held.decisions_recorded_at and held.minutes
    assert held.agenda_items.exclude(decision="").count() == held.agenda_items.count() > 0
    assert held.decisions_validated_at > held.decisions_recorded_at  # the porteurs were notified
    programmed = held.agenda_items.filter(decision=AgendaItem.Decision.PROGRAMMED).values_list("action_id", flat=True)
    assert sorted(held.programming_decisions.values_list("action_id", flat=True)) == sorted(programmed)
    upcoming = Meeting.objects.get(cite__slug="ales-agglomeration", title="COPIL de programmation 2027")
    assert upcoming.agenda_items.filter(action__status="in_review").exists()
    assert sorted(Report.objects.filter(status=Report.Status.DONE).values_list("kind", flat=True)) == sorted(
        Report.Kind.values
    )
    evaluation = Report.objects.get(kind=Report.Kind.EVALUATION)
    text = squash(pdf_text(read_report(evaluation)))
    assert "Cité éducative d'Alès Agglomération" in text and "Total 270 000,00 €" in text
    assert "Alès Agglomération 80 000,00 €" in text and "Ministère de l'Éducation 15 000,00 €" in text
    statement = Report.objects.get(kind=Report.Kind.FINANCIAL_STATEMENT)
    text = squash(pdf_text(read_report(statement)))
    assert "État financier 2026" in text and "Financements par action" in text
    assert "Total 270 000,00 €" in text  # the three Alès envelopes

    def counts():
        return [model.objects.count() for model in (Meeting, Attendee, Report, ProgrammingDecision)]

    before = counts()
    call_command("load_demo", verbosity=0)
    assert counts() == before
