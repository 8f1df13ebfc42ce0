"""The financial statement of a cité for a year, read back from the PDF: per envelope,
amount, decided, committed, paid, justified and remaining; per action, its funding lines
and payments."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from actions.models import Action
from financements import services as funding
from financements.models import FundingLine
from pilotage.models import Report
from pilotage.reports import financial_statement_context
from pilotage.services import request_report

from .conftest import pdf_text, read_report, squash
from .factories import ReportFactory

PROGRAMMED = Action.Status.PROGRAMMED


def decide(action, by, **amounts):
    """Create the action's funding lines and decide them; returns them by funder key."""
    lines = {line.funder.name: line for line in funding.create_lines_from_budget(action, by=by)}
    funding.decide_lines_bulk([(lines[name], Decimal(amount)) for name, amount in amounts.items()], by=by)
    return lines


@pytest.fixture
def year_2026(world, make_proposal, envelopes, funders):
    by = world.a.coordinator
    anct, agglo, men = funders["anct"].name, funders["agglo"].name, funders["men"].name
    reussite = make_proposal(status=PROGRAMMED, anct="60000.00", agglo="15000.00", title="Réussite")
    lines = decide(reussite, by, **{anct: "50000.00", agglo: "15000.00"})
    for line, reference in ((lines[anct], "ARR-2026-1"), (lines[agglo], "DEL-2026-7")):
        funding.record_legal_act(line, act_type="arrete", reference=reference, date=datetime.date(2026, 4, 1), by=by)
    funding.record_payment(
        lines[anct], kind="advance", amount="25000.00", date=datetime.date(2026, 5, 2), reference="MDT-11", by=by
    )
    funding.record_payment(lines[anct], kind="balance", amount="25000.00", date=datetime.date(2026, 11, 3), by=by)
    funding.change_status(lines[anct], "justified", by=by)
    funding.record_payment(lines[agglo], kind="advance", amount="5000.00", date=datetime.date(2026, 6, 9), by=by)
    sorties = make_proposal(status=PROGRAMMED, men="4000.00", title="Sorties")
    decide(sorties, by, **{men: "3000.00"})
    # A decided line outside any envelope.
    FundingLine.objects.create(
        action=sorties,
        funder=funders["agglo"],
        requested_amount=Decimal("2000.00"),
        decided_amount=Decimal("2000.00"),
        status=FundingLine.Status.DECIDED,
    )
    make_proposal(status=PROGRAMMED, year=2025, anct="30000.00", title="Action 2025")
    return reussite, sorties


def test_financial_statement_pdf(world, year_2026, django_capture_on_commit_callbacks):
    reussite, sorties = year_2026
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(Report.Kind.FINANCIAL_STATEMENT, world.a.cite, 2026, world.a.coordinator)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    assert report.filename == "financial-statement-cite-a-2026-v1.pdf"
    text = squash(pdf_text(read_report(report)))
    assert "Cité éducative A" in text and f"Page 1 / {report.page_count}" in text
    assert "État financier 2026" in text
    # Per envelope: amount, decided, committed, paid, justified, to recover, remaining.
    assert (
        "ANCT – programme 147 175 000,00 € 50 000,00 € 50 000,00 € 50 000,00 € 50 000,00 € 0,00 € 125 000,00 €" in text
    )
    assert "Agglomération 80 000,00 € 15 000,00 € 15 000,00 € 5 000,00 € 0,00 € 0,00 € 65 000,00 €" in text
    assert "Éducation nationale 15 000,00 € 3 000,00 € 0,00 € 0,00 € 0,00 € 0,00 € 12 000,00 €" in text
    # The money outside envelopes: in the totals, never in an envelope's remaining.
    assert "Agglomération — 2 000,00 € 0,00 € 0,00 € 0,00 € 0,00 € — Hors enveloppe" in text
    assert "Total 270 000,00 € 70 000,00 € 65 000,00 € 55 000,00 € 50 000,00 € 0,00 € 202 000,00 €" in text
    # Per action: totals, then its lines and payments.
    assert f"{reussite.reference} – Réussite 75 000,00 € 65 000,00 € 55 000,00 € 0,00 €" in text
    assert f"{sorties.reference} – Sorties 6 000,00 € 5 000,00 € 0,00 € 0,00 €" in text
    assert "Total des actions 81 000,00 € 70 000,00 € 55 000,00 € 0,00 €" in text
    assert "ANCT – programme 147 Justifié ARR-2026-1 60 000,00 € — 50 000,00 € 50 000,00 €" in text
    assert "Agglomération Engagé DEL-2026-7 15 000,00 € — 15 000,00 € 5 000,00 €" in text
    assert "Avance 2 mai 2026 ANCT – programme 147 MDT-11 25 000,00 €" in text
    assert "Solde 3 novembre 2026 ANCT – programme 147 — 25 000,00 €" in text
    assert "Avance 9 juin 2026 Agglomération — 5 000,00 €" in text
    assert "Agglomération Décidé — 2 000,00 € — 2 000,00 € 0,00 € Hors enveloppe" in text
    assert "Action 2025" not in text


def test_a_year_without_money_still_renders(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(Report.Kind.FINANCIAL_STATEMENT, world.a.cite, 2030, world.a.coordinator)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    text = squash(pdf_text(read_report(report)))
    assert "Aucune enveloppe saisie pour cette année." in text
    assert "Aucune ligne de financement pour cette année." in text


def test_the_context_needs_a_fixed_number_of_queries(world, year_2026, make_proposal, django_assert_num_queries):
    report = ReportFactory(kind=Report.Kind.FINANCIAL_STATEMENT, cite=world.a.cite, year=2026)
    with django_assert_num_queries(11):
        _, context = financial_statement_context(report)
    assert len(context["actions"]) == 2
    for number in range(3):
        action = make_proposal(status=PROGRAMMED, anct="1000.00", title=f"Encore {number}")
        decide(action, world.a.coordinator, **{"ANCT – programme 147": "1000.00"})
    with django_assert_num_queries(11):
        _, context = financial_statement_context(report)
    assert len(context["actions"]) == 5


def test_generated_from_the_report_page_by_the_coordination(login, world, django_capture_on_commit_callbacks):
    client = login(world.a.coordinator)
    page = client.get(reverse("pilotage:report_list", args=[world.a.cite.pk])).content.decode()
    assert 'value="financial_statement"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pilotage:report_generate", args=[world.a.cite.pk]), {"kind": "financial_statement", "year": "2026"}
        )
    assert response.status_code == 302
    report = Report.objects.get(kind=Report.Kind.FINANCIAL_STATEMENT)
    assert report.status == Report.Status.DONE and report.year == 2026
    download = login(world.a.pilot).get(reverse("pilotage:report_download", args=[report.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
