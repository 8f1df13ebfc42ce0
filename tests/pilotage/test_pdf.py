"""The one PDF helper: French text, running header, page numbers, fonts from disk."""

import subprocess

import pytest
from weasyprint.urls import URLFetcher

from pilotage.models import Report
from pilotage.pdf import StaticFilesFetcher, render_pdf
from pilotage.reports import action_sheet_context

from .conftest import pdf_text, squash
from .factories import ReportFactory


@pytest.fixture
def sheet_pdf(make_proposal):
    action = make_proposal(anct="175000.00", agglo="12500.50")
    report = ReportFactory(kind=Report.Kind.ACTION_SHEET, cite=action.cite, action=action, year=action.year)
    template, context = action_sheet_context(report)
    timings = {}
    pdf, pages = render_pdf(template, context, timings=timings)
    return action, pdf, pages, timings


def test_action_sheet_text_header_footer_and_amounts(sheet_pdf):
    action, pdf, pages, timings = sheet_pdf
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    first_page = text.split("\f")[0]
    assert "Cité éducative A" in first_page  # running header
    assert f"Page 1 / {pages}" in first_page
    flat = squash(text)
    assert f"Fiche action {action.reference}" in flat
    assert "175 000,00 €" in flat and "12 500,50 €" in flat
    assert "Total des charges 188 500,50 €" in flat  # 175 000 + 12 500,50 + 1 000
    assert "Total des produits 188 500,50 €" in flat
    assert "Élèves accompagnés" in flat and "Besoin identifié" in flat
    assert set(timings) == {"template", "layout", "write"}


def test_marianne_font_is_embedded(sheet_pdf):
    _, pdf, _, _ = sheet_pdf
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    if not fonts:  # older poppler: pdffonts cannot read stdin
        pytest.skip("pdffonts ne lit pas l'entrée standard")
    assert "Marianne" in fonts


def test_fetcher_reads_static_files_from_disk_and_refuses_the_rest():
    fetcher = StaticFilesFetcher()
    assert isinstance(fetcher, URLFetcher)
    response = fetcher.fetch("https://portail.invalid/static/dsfr/dist/fonts/Marianne-Bold.woff2")
    assert response.read(4) == b"wOF2"
    with pytest.raises(ValueError, match="refusée"):
        fetcher.fetch("http://example.org/tracker.png")
    with pytest.raises(ValueError, match="refusée"):
        fetcher.fetch("https://portail.invalid/media-non-servi/secret.pdf")
