import subprocess
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from actions.models import Action, BudgetLine
from cites.models import Organisation
from financements.models import Envelope
from pilotage.models import MeetingDocument, Report
from tests.actions.factories import ActionFactory, BudgetLineFactory, CallFactory, IndicatorFactory
from tests.factories import ConventionCommitmentFactory, ConventionFactory, OrganisationFactory

from .factories import MeetingFactory, ReportFactory

NARROW_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def pdf_text(pdf):
    """The PDF's text as ``pdftotext -layout`` reads it, with French spaces normalised."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode().translate(NARROW_SPACES)


def squash(text):
    """Collapse runs of spaces (``-layout`` pads columns)."""
    return " ".join(text.split())


@pytest.fixture
def funders(db):
    return {
        "anct": OrganisationFactory(name="ANCT – programme 147", kind=Organisation.Kind.ETAT, is_funder=True),
        "men": OrganisationFactory(name="Éducation nationale", kind=Organisation.Kind.ETAT, is_funder=True),
        "agglo": OrganisationFactory(name="Agglomération", kind=Organisation.Kind.COLLECTIVITE, is_funder=True),
    }


@pytest.fixture
def make_proposal(world, funders):
    """``make_proposal(status, anct=…, agglo=…, side="a")``: an action of the cité with a
    balanced budget whose account-74 lines ask the given funders."""
    calls = {}

    def _make(status=Action.Status.IN_REVIEW, side="a", year=2026, title=None, **asked):
        cite_world = getattr(world, side)
        key = (side, year)
        if key not in calls:
            calls[key] = CallFactory(cite=cite_world.cite, year=year)
        fields = {"title": title} if title else {}
        action = ActionFactory(
            call=calls[key], porteur=cite_world.organisation, status=status, complete=True, with_budget=False, **fields
        )
        action.reference = f"{cite_world.cite.code}-{year}-{action.pk:03d}"
        action.save(update_fields=["reference"])
        total = sum((Decimal(v) for v in asked.values()), Decimal("0"))
        BudgetLineFactory(
            action=action,
            side=BudgetLine.Side.CHARGE,
            account="64",
            label="Animation",
            amount_planned=total + Decimal("1000.00"),
        )
        BudgetLineFactory(
            action=action,
            side=BudgetLine.Side.PRODUIT,
            account="70",
            label="Participation",
            amount_planned=Decimal("1000.00"),
        )
        for key_name, amount in asked.items():
            BudgetLineFactory(
                action=action,
                side=BudgetLine.Side.PRODUIT,
                account="74",
                label=f"Subvention {funders[key_name].name}",
                funder=funders[key_name],
                amount_planned=Decimal(amount),
            )
        IndicatorFactory(action=action)
        return action

    return _make


@pytest.fixture
def commitments(world, funders):
    """The Alès-like convention of cité A: 175 000 + 15 000 + 80 000 = 270 000 € in 2026."""
    convention = ConventionFactory(cite=world.a.cite)
    for key, amount in (("anct", "175000.00"), ("men", "15000.00"), ("agglo", "80000.00")):
        ConventionCommitmentFactory(convention=convention, funder=funders[key], year=2026, amount=Decimal(amount))
    return convention


@pytest.fixture
def envelopes(world, funders):
    return {
        key: Envelope.objects.create(
            cite=world.a.cite, funder=funders[key], programme=programme, year=2026, amount=Decimal(amount)
        )
        for key, programme, amount in (
            ("anct", "p147", "175000.00"),
            ("men", "p230", "15000.00"),
            ("agglo", "collectivite", "80000.00"),
        )
    }


def read_report(report):
    with report.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def setup(world, make_proposal):
    """Objects of cité A for the permission checks: a meeting with a document, an action
    in review, a finished report of each kind and a queued one."""
    meeting = MeetingFactory(cite=world.a.cite)
    action = make_proposal(status=Action.Status.IN_REVIEW, anct="1000.00")

    def done(**fields):
        report = ReportFactory(cite=world.a.cite, status=Report.Status.DONE, page_count=1, **fields)
        report.file.save(f"r{report.pk}.pdf", ContentFile(b"%PDF-1.7 test"))
        return report

    document = MeetingDocument(
        meeting=meeting,
        title="Diaporama",
        original_name="diaporama.pdf",
        content_type="application/pdf",
        extension=".pdf",
        size=13,
    )
    document.file.save("diaporama.pdf", ContentFile(b"%PDF-1.7 test"))
    return {
        "meeting": meeting,
        "action": action,
        "document": document,
        "evaluation": done(kind=Report.Kind.EVALUATION),
        "financial": done(kind=Report.Kind.FINANCIAL_STATEMENT),
        "dossier": done(kind=Report.Kind.COPIL_DOSSIER, meeting=meeting),
        "sheet": done(kind=Report.Kind.ACTION_SHEET, action=action),
        "queued": ReportFactory(cite=world.a.cite, kind=Report.Kind.EVALUATION),
    }
