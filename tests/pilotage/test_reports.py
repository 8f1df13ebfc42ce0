"""What the evaluation report says, read back from the PDF."""

import datetime
from decimal import Decimal

from actions.models import Action
from financements import services as funding
from pilotage.models import Report
from pilotage.services import request_report

from .conftest import pdf_text, read_report, squash


def generate(kind, cite, by, captured, **fields):
    with captured(execute=True):
        report = request_report(kind, cite, fields.pop("year", 2026), by, **fields)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    return report


def test_evaluation_with_envelopes_decided_paid_and_previous_year(
    world, make_proposal, envelopes, funders, django_capture_on_commit_callbacks
):
    by = world.a.coordinator
    retained = make_proposal(status=Action.Status.PROGRAMMED, anct="60000.00", agglo="15000.00", title="Réussite")
    make_proposal(status=Action.Status.REJECTED, anct="9000.00", title="Refusée")
    make_proposal(status=Action.Status.PROGRAMMED, year=2025, anct="30000.00", title="Action 2025")
    lines = {line.funder_id: line for line in funding.create_lines_from_budget(retained, by=by)}
    anct = lines[funders["anct"].pk]
    funding.decide_lines_bulk([(anct, Decimal("50000.00")), (lines[funders["agglo"].pk], Decimal("15000"))], by=by)
    funding.record_legal_act(anct, act_type="arrete", reference="ARR-2026-1", date=datetime.date(2026, 4, 1), by=by)
    funding.record_payment(anct, kind="advance", amount=Decimal("25000.00"), date=datetime.date(2026, 5, 2), by=by)

    report = generate(Report.Kind.EVALUATION, world.a.cite, world.a.prefecture, django_capture_on_commit_callbacks)
    text = squash(pdf_text(read_report(report)))
    assert "Cité éducative A" in text and f"Page {report.page_count} / {report.page_count}" in text
    # envelope / asked / decided / paid / justified / to recover / consumption
    assert "ANCT – programme 147 175 000,00 € 60 000,00 € 50 000,00 € 25 000,00 € 0,00 € 0,00 € 28,6 %" in text
    assert "Total 270 000,00 € 75 000,00 € 65 000,00 € 25 000,00 € 0,00 € 0,00 € 24,1 %" in text
    # previous year beside: 2025 then 2026
    assert "Propositions déposées 1 2" in text and "Actions retenues 1 1" in text
    assert "Conforter le rôle de l'école 2 0 1 1 0" in text  # deposited, under review, retained, rejected, withdrawn
    assert "Effet levier" in text and "Réussite" in text and "Refusée" in text
    assert "Action 2025" not in text  # only listed in its own year


def test_action_sheet_pdf_of_a_partner(world, make_proposal, django_capture_on_commit_callbacks):
    action = make_proposal(anct="175000.00")
    report = generate(
        Report.Kind.ACTION_SHEET, world.a.cite, world.a.partner, django_capture_on_commit_callbacks, action=action
    )
    text = squash(pdf_text(read_report(report)))
    assert f"Fiche action {action.reference}" in text and "Subvention ANCT – programme 147" in text
    assert "175 000,00 €" in text and "Publics visés 11-15 ans" in text
    assert report.filename == f"action-sheet-{action.reference.lower()}-2026-v1.pdf"
