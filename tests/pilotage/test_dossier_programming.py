"""The COPIL dossier's programming table: per proposal and funder, the amount asked and
the amount proposed by the instruction, and the opinions counted by verdict."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from actions.models import Opinion
from financements import services as funding
from pilotage.models import Report
from pilotage.services import add_to_agenda, request_report

from .conftest import pdf_text, read_report, squash
from .factories import MeetingFactory


@pytest.fixture
def dossier_text(world, make_proposal, envelopes, funders, django_capture_on_commit_callbacks):
    by = world.a.coordinator
    meeting = MeetingFactory(cite=world.a.cite, title="COPIL de programmation 2026")
    lecture = make_proposal(anct="100000.00", agglo="20000.00", title="Ateliers lecture")
    sorties = make_proposal(anct="90000.00", men="5000.00", title="Sorties culturelles")
    add_to_agenda(meeting, [lecture, sorties])
    # The instruction proposes amounts on the funding lines of the first proposal only
    # (and on the ANCT line of the second).
    lines = {line.funder_id: line for line in funding.create_lines_from_budget(lecture, by=by)}
    funding.set_amounts(lines[funders["anct"].pk], proposed=Decimal("80000.00"), by=by)
    funding.set_amounts(lines[funders["agglo"].pk], proposed=Decimal("20000.00"), by=by)
    lines = {line.funder_id: line for line in funding.create_lines_from_budget(sorties, by=by)}
    funding.set_amounts(lines[funders["anct"].pk], proposed=Decimal("45500.50"), by=by)
    # Opinions: two favourable and one reserved on the first, one unfavourable on the second.
    for author, verdict in (
        (world.a.coordinator, Opinion.Verdict.FAVOURABLE),
        (world.a.pilot, Opinion.Verdict.FAVOURABLE),
        (world.a.prefecture, Opinion.Verdict.RESERVED),
    ):
        Opinion.objects.create(action=lecture, author=author, verdict=verdict)
    Opinion.objects.create(action=sorties, author=world.a.pilot, verdict=Opinion.Verdict.UNFAVOURABLE)
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(Report.Kind.COPIL_DOSSIER, meeting.cite, meeting.year, by, meeting=meeting)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    pdf = read_report(report)
    return lecture, sorties, squash(pdf_text(pdf)), pdf


def test_programming_table_shows_asked_and_proposed_per_funder_and_opinions(dossier_text):
    lecture, sorties, text, _ = dossier_text
    # Columns: funders by name (ANCT, Agglomération, Éducation nationale), each « demandé,
    # proposé », then the opinions « favorable, réservé, défavorable ».
    assert "Référence Action Porteur ANCT – programme 147 Agglomération Éducation nationale Avis" in text
    assert "Demandé Proposé Demandé Proposé Demandé Proposé Favorable Réservé Défavorable" in text
    assert (
        f"{lecture.reference} Ateliers lecture Association A "
        "100 000,00 € 80 000,00 € 20 000,00 € 20 000,00 € 0,00 € — 2 1 0"
    ) in text
    assert (
        f"{sorties.reference} Sorties culturelles Association A 90 000,00 € 45 500,50 € 0,00 € — 5 000,00 € — 0 0 1"
    ) in text
    assert "Total 190 000,00 € 125 500,50 € 20 000,00 € 20 000,00 € 5 000,00 € 0,00 €" in text
    assert "Montants proposés par l'instruction 145 500,50 €" in text
    assert "Total demandé : 215 000,00 € ; total proposé par l'instruction : 145 500,50 €" in text


def test_the_programming_table_is_on_a_landscape_a4_page(dossier_text):
    *_, pdf = dossier_text
    pages = PdfReader(io.BytesIO(pdf)).pages
    landscape = [i for i, page in enumerate(pages) if page.mediabox.width > page.mediabox.height]
    assert landscape, "no landscape page"
    table_page = next(i for i, page in enumerate(pages) if "Tableau de programmation" in page.extract_text())
    assert table_page in landscape
    assert round(float(pages[table_page].mediabox.width) * 25.4 / 72) == 297  # A4 landscape, in mm
    assert all(pages[i].mediabox.width < pages[i].mediabox.height for i in range(len(pages)) if i not in landscape)


def test_cancelled_lines_propose_nothing(world, make_proposal, envelopes, funders, django_capture_on_commit_callbacks):
    by = world.a.coordinator
    meeting = MeetingFactory(cite=world.a.cite)
    action = make_proposal(anct="10000.00", title="Annulée en partie")
    add_to_agenda(meeting, [action])
    (line,) = funding.create_lines_from_budget(action, by=by)
    funding.set_amounts(line, proposed=Decimal("9000.00"), by=by)
    funding.change_status(line, "cancelled", by=by, comment="Retirée par le porteur")
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(Report.Kind.COPIL_DOSSIER, meeting.cite, meeting.year, by, meeting=meeting)
    report.refresh_from_db()
    text = squash(pdf_text(read_report(report)))
    assert f"{action.reference} Annulée en partie Association A 10 000,00 € — 0 0 0" in text
