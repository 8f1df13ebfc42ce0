"""One figure, one source: every surface that shows money — the overview, the
programming table, the dashboards (cité, préfecture, national, partner), the XLSX export
and the PDF reports read back with pdftotext — shows, to the cent, what an auditor adds up
from the rows. On the demo, enriched with money outside envelopes, a line to recover and
a bilan saved but never transmitted."""

import datetime
import io
import re
import subprocess
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from actions.models import Action, AgeBand, BeneficiaryCount, Bilan
from cites.models import Cite, ConventionCommitment, Organisation
from financements import services
from financements.models import Envelope, FundingLine, Payment
from pilotage.models import Meeting, Report
from pilotage.pdf import render_pdf
from pilotage.reports import BUILDERS
from tests.otp import force_login_verified

D = Decimal
ZERO = D("0.00")
# Written out here on purpose: the auditor does not borrow the code's status groups.
DECIDED = {"decided", "committed", "paid", "justified", "to_recover", "recovered"}
# pdftotext -raw drops the narrow spaces that group thousands: « 175000,00 € ».
AMOUNT = re.compile(r"(-?\d+,\d{2}) €")

pytestmark = [pytest.mark.django_db, pytest.mark.heavy]


# --- The auditor -------------------------------------------------------------------------
def auditor(cite, year):
    """Sums over the rows, in plain Python."""
    lines = list(
        FundingLine.objects.filter(action__cite=cite, action__year=year).select_related("funder").order_by("pk")
    )
    paid_by_line = defaultdict(lambda: ZERO)
    for payment in Payment.objects.filter(line__in=lines):
        paid_by_line[payment.line_id] += payment.amount
    envelopes = list(Envelope.objects.filter(cite=cite, year=year))
    figures = {
        "envelope": sum((envelope.amount for envelope in envelopes), ZERO),
        "commitment": sum(
            (c.amount for c in ConventionCommitment.objects.filter(convention__cite=cite, year=year)), ZERO
        ),
        "requested": sum((line.requested_amount for line in lines if line.status != "cancelled"), ZERO),
        "decided": sum((line.decided_amount for line in lines if line.status in DECIDED), ZERO),
        "committed": sum(
            (line.decided_amount for line in lines if line.status in DECIDED - {"decided"}),
            ZERO,
        ),
        "justified": sum((line.decided_amount for line in lines if line.status == "justified"), ZERO),
        "paid": sum(paid_by_line.values(), ZERO),
        "to_recover": sum((line.amount_to_recover for line in lines if line.status == "to_recover"), ZERO),
        "outside": sum(
            (line.decided_amount for line in lines if line.status in DECIDED and line.envelope_id is None), ZERO
        ),
    }
    figures["remaining"] = figures["envelope"] - (figures["decided"] - figures["outside"])
    by_funder = defaultdict(lambda: {"decided": ZERO, "paid": ZERO})
    for line in lines:
        if line.status in DECIDED:
            by_funder[line.funder.name]["decided"] += line.decided_amount
        by_funder[line.funder.name]["paid"] += paid_by_line[line.pk]
    figures["by_funder"] = dict(by_funder)
    by_action = defaultdict(lambda: {"decided": ZERO, "paid": ZERO})
    for line in lines:
        if line.status in DECIDED:
            by_action[line.action_id]["decided"] += line.decided_amount
        by_action[line.action_id]["paid"] += paid_by_line[line.pk]
    figures["by_action"] = dict(by_action)
    transmitted = BeneficiaryCount.objects.filter(
        bilan__action__cite=cite, bilan__action__year=year, bilan__submitted_at__isnull=False
    )
    figures["beneficiaries"] = sum(row.girls + row.boys for row in transmitted)
    return figures


# --- Data the demo lacks -----------------------------------------------------------------
def enrich(cite, year):
    """Money outside envelopes (a CAF), a line to recover, an untransmitted bilan."""
    coordinator = User.objects.get(email="coordination.ales@example.org")
    retained = list(Action.objects.filter(cite=cite, year=year).retained().order_by("pk"))
    caf, _ = Organisation.objects.get_or_create(
        name="CAF du Gard", defaults={"kind": Organisation.Kind.ORGANISME_SOCIAL, "is_funder": True}
    )
    outside = FundingLine.objects.create(action=retained[0], funder=caf, requested_amount=D("4321.09"))
    services.set_amounts(outside, decided=D("4321.09"), by=coordinator)
    services.record_legal_act(
        outside, act_type="ca_vote", reference="CA-1", date=datetime.date(year, 4, 2), by=coordinator
    )
    services.record_payment(
        outside, kind="advance", amount=D("1000.01"), date=datetime.date(year, 5, 2), by=coordinator
    )
    paid_line = (
        FundingLine.objects.filter(action__cite=cite, action__year=year, status__in=["paid", "justified"])
        .exclude(amount_to_recover__gt=0)
        .order_by("pk")
        .first()
    )
    services.change_status(paid_line, "to_recover", amount_to_recover=D("123.45"), by=coordinator)
    # A bilan typed but never transmitted: it counts nowhere.
    draft_action = next(action for action in retained if not hasattr(action, "bilan"))
    draft = Bilan.objects.create(action=draft_action)
    BeneficiaryCount.objects.create(bilan=draft, age_band=AgeBand.choices[0][0], girls=500, boys=400)


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    ales = Cite.objects.get(slug="ales-agglomeration")
    enrich(ales, 2026)
    return ales


def cite_years():
    years = sorted(set(Action.objects.values_list("year", flat=True)))
    return [(cite, year) for cite in Cite.objects.order_by("pk") for year in years]


# --- Pages -------------------------------------------------------------------------------
def check_pages(client, demo):
    admin = User.objects.get(email="admin@example.org")
    force_login_verified(client, admin)
    checked = 0
    for cite, year in cite_years():
        expected = auditor(cite, year)
        overview = client.get(reverse("financements:overview", args=[cite.pk, year])).context["overview"]
        for name in ("envelope", "requested", "decided", "committed", "justified", "paid", "to_recover"):
            assert (getattr(overview.total, name) or ZERO) == expected[name], (cite, year, name)
        dashboard = client.get(reverse("pilotage:dashboard_cite"), {"cite": cite.pk, "annee": year}).context["money"]
        assert dashboard["total"]["decided"] == expected["decided"], (cite, year)
        assert dashboard["total"]["paid"] == expected["paid"], (cite, year)
        assert dashboard["total"]["to_recover"] == expected["to_recover"], (cite, year)
        assert dashboard["total"]["outside"] == expected["outside"], (cite, year)
        funders = {row["label"]: {"decided": row["decided"], "paid": row["paid"]} for row in dashboard["rows"]}
        for name, money in expected["by_funder"].items():
            if money["decided"] or money["paid"]:
                assert funders[name] == money, (cite, year, name)
        programming = client.get(reverse("financements:programming", args=[cite.pk, year])).context["envelopes"]
        assert sum((row.decided for row in programming), ZERO) == expected["decided"], (cite, year)
        checked += expected["decided"] > 0
    assert checked >= 3

    for year in sorted({year for _, year in cite_years()}):
        expected = [auditor(cite, year) for cite in Cite.objects.all()]
        total = client.get(reverse("pilotage:dashboard_national"), {"annee": year}).context["total"]
        for name in ("envelope", "decided", "paid", "to_recover"):
            assert total[name] == sum((figures[name] for figures in expected), ZERO), (year, name)

    force_login_verified(client, User.objects.get(email="prefecture.gard@example.org"))
    expected = auditor(demo, 2026)
    row = next(
        row
        for row in client.get(reverse("pilotage:dashboard_prefecture"), {"annee": 2026}).context["rows"]
        if row["cite_id"] == demo.pk
    )
    assert (row["decided"], row["paid"], row["to_recover"]) == (
        expected["decided"],
        expected["paid"],
        expected["to_recover"],
    )


def check_partner(client, demo):
    partner = User.objects.get(email="partenaire.ales@example.org")
    force_login_verified(client, partner)
    rows = client.get(reverse("pilotage:dashboard_partner")).context["rows"]
    expected = {}
    for cite, year in cite_years():
        expected.update(auditor(cite, year)["by_action"])
    assert rows
    for row in rows:
        money = expected.get(row["action"].pk, {"decided": ZERO, "paid": ZERO})
        assert (row["decided"], row["paid"]) == (money["decided"], money["paid"]), row["action"]
        funding = client.get(reverse("financements:action_funding", args=[row["action"].pk])).context["totals"]
        assert (funding.decided, funding.paid) == (money["decided"], money["paid"])


def check_xlsx(client, demo):
    force_login_verified(client, User.objects.get(email="coordination.ales@example.org"))
    response = client.get(reverse("financements:export_xlsx", args=[demo.pk, 2026]))
    sheet = list(openpyxl.load_workbook(io.BytesIO(response.getvalue()))["Enveloppes"].iter_rows(values_only=True))
    header, total = sheet[0], sheet[-1]
    assert total[0] == "Total"
    column = {name: index for index, name in enumerate(header)}
    expected = auditor(demo, 2026)
    for name, label in (
        ("envelope", "Montant de l'enveloppe"),
        ("requested", "Demandé"),
        ("decided", "Décidé"),
        ("committed", "Engagé"),
        ("paid", "Versé"),
        ("justified", "Justifié"),
        ("to_recover", "À reverser"),
        ("remaining", "Reste à programmer"),
    ):
        assert D(str(total[column[label]])).quantize(D("0.01")) == expected[name], name
    outside = [row for row in sheet[1:-1] if row[1] == "Hors enveloppe"]
    assert sum((D(str(row[column["Décidé"]])) for row in outside), ZERO) == expected["outside"]


# --- PDFs --------------------------------------------------------------------------------
def pdf_text(report):
    template, context = BUILDERS[report.kind](report)
    pdf, _ = render_pdf(template, context)
    raw = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(raw.decode().replace("\u202f", " ").replace("\u00a0", " ").split())


def amounts_after(text, marker, count, start=0):
    """The first ``count`` euro amounts after ``marker`` (found after ``start``)."""
    at = text.index(marker, text.index(start) if isinstance(start, str) else start)
    values = [D(value.replace(" ", "").replace(",", ".")) for value in AMOUNT.findall(text[at:])[:count]]
    assert len(values) == count, text[at : at + 400]
    return values


def report(kind, cite, year, meeting=None):
    return Report(kind=kind, cite=cite, year=year, meeting=meeting, version=1)


def check_statement_and_evaluation(demo):
    expected = auditor(demo, 2026)
    text = pdf_text(report(Report.Kind.FINANCIAL_STATEMENT, demo, 2026))
    envelope, decided, committed, paid, justified, to_recover, remaining = amounts_after(
        text, "Total", 7, start="Reste à décider"
    )
    assert (envelope, decided, committed, paid, justified, to_recover) == (
        expected["envelope"],
        expected["decided"],
        expected["committed"],
        expected["paid"],
        expected["justified"],
        expected["to_recover"],
    )
    assert remaining == expected["remaining"]
    assert "Hors enveloppe" in text and "CAF du Gard" in text

    text = pdf_text(report(Report.Kind.EVALUATION, demo, 2026))
    # Funding table: envelope, requested, decided, paid, justified, to recover.
    envelope, requested, decided, paid, justified, to_recover = amounts_after(text, "Total", 6, start="Consommation")
    assert "dont hors enveloppe : 4321,09 €" in text
    assert (envelope, requested, decided, paid, justified, to_recover) == (
        expected["envelope"],
        expected["requested"],
        expected["decided"],
        expected["paid"],
        expected["justified"],
        expected["to_recover"],
    )
    assert amounts_after(text, "Montants décidés", 2)[1] == expected["decided"]


def check_only_transmitted_bilans(demo):
    expected = auditor(demo, 2026)
    context = BUILDERS[Report.Kind.EVALUATION](report(Report.Kind.EVALUATION, demo, 2026))[1]
    assert context["beneficiaries"]["totals"]["total"] == expected["beneficiaries"]
    assert BeneficiaryCount.objects.filter(bilan__submitted_at__isnull=True, girls=500).exists()


def check_copil_minutes_and_dossier(demo):
    expected = auditor(demo, 2026)
    held = Meeting.objects.get(cite=demo, title="COPIL de programmation 2026")
    assert held.agenda_items.exclude(decision="").exists()

    text = pdf_text(report(Report.Kind.COPIL_MINUTES, demo, 2026, meeting=held))
    envelope, requested, decided = amounts_after(text, "Total", 3, start="Consommation")
    assert (envelope, decided) == (expected["envelope"], expected["decided"])

    # A dossier generated after its COPIL: the agenda's decisions are not also counted as
    # « already decided ». Alès 2026 showed ANCT −78 000 € and Éducation nationale −9 000 €.
    context = BUILDERS[Report.Kind.COPIL_DOSSIER](report(Report.Kind.COPIL_DOSSIER, demo, 2026, meeting=held))[1]
    rows = {row.label: row for row in context["consumption"]}
    anct = rows["Agence nationale de la cohésion des territoires (ANCT)"]
    men = rows["Ministère de l'Éducation nationale"]
    assert (anct.before, anct.asked, anct.after, anct.remaining) == (ZERO, D("154000"), D("154000"), D("21000"))
    assert men.remaining == D("3000")
    on_agenda = set(held.agenda_items.exclude(action=None).values_list("action_id", flat=True))
    for row in context["consumption"]:
        by_action = [
            line
            for line in FundingLine.objects.filter(action__cite=demo, action__year=2026, funder_id=row.funder_id)
            if line.status in DECIDED
        ]
        assert row.before == sum((line.decided_amount for line in by_action if line.action_id not in on_agenda), ZERO)
        assert row.decided == sum((line.decided_amount for line in by_action if line.action_id in on_agenda), ZERO)
        assert row.before + row.decided == expected["by_funder"].get(row.label, {"decided": ZERO})["decided"]
    text = pdf_text(report(Report.Kind.COPIL_DOSSIER, demo, 2026, meeting=held))
    envelope, before, asked, after, decided = amounts_after(text, "Total", 5, start="Décidé par ce COPIL")
    assert (envelope, before + decided, after) == (expected["envelope"], expected["decided"], before + asked)


# Two tests, so that the demo is loaded twice rather than six times.
def test_pages_dashboards_partner_and_export_show_the_auditors_figures(client, demo):
    check_pages(client, demo)
    check_partner(client, demo)
    check_xlsx(client, demo)


def test_pdf_reports_read_back_to_the_auditors_figures(demo):
    check_statement_and_evaluation(demo)
    check_only_transmitted_bilans(demo)
    check_copil_minutes_and_dossier(demo)


def test_on_seed_scale_data_every_surface_shows_the_auditors_figures(client):
    """The generated national dataset (with COPIL decisions, payments, recoveries), small."""
    call_command(
        "seed_scale",
        "--cites",
        "3",
        "--years",
        "2",
        "--actions-per-year",
        "20",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("n@x.fr", "x")
    force_login_verified(client, admin)
    years = sorted(set(Action.objects.values_list("year", flat=True)))
    checked = 0
    for year in years:
        for cite in Cite.objects.order_by("pk"):
            expected = auditor(cite, year)
            overview = client.get(reverse("financements:overview", args=[cite.pk, year])).context["overview"]
            for name in ("envelope", "requested", "decided", "committed", "justified", "paid", "to_recover"):
                assert (getattr(overview.total, name) or ZERO) == expected[name], (cite, year, name)
            money = client.get(reverse("pilotage:dashboard_cite"), {"cite": cite.pk, "annee": year}).context["money"][
                "total"
            ]
            assert (money["decided"], money["paid"]) == (expected["decided"], expected["paid"]), (cite, year)
            checked += expected["decided"] > 0
        total = client.get(reverse("pilotage:dashboard_national"), {"annee": year}).context["total"]
        everything = [auditor(cite, year) for cite in Cite.objects.all()]
        for name in ("envelope", "decided", "paid", "to_recover"):
            assert total[name] == sum((figures[name] for figures in everything), ZERO), (year, name)
    assert checked >= 3
    cite, year = Cite.objects.order_by("pk").first(), years[-1]
    expected = auditor(cite, year)
    text = pdf_text(report(Report.Kind.FINANCIAL_STATEMENT, cite, year))
    envelope, decided, committed, paid = amounts_after(text, "Total", 4, start="Reste à décider")
    assert (envelope, decided, committed, paid) == (
        expected["envelope"],
        expected["decided"],
        expected["committed"],
        expected["paid"],
    )
