"""The overview adds up, and the money pages keep a fixed number of SQL queries."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from cites.models import Cite, Organisation
from financements import services
from financements.models import DECIDED_STATUSES, Envelope, FundingLine, LineStatus, Payment, Programme
from financements.overview import cite_overview
from tests.factories import ConventionCommitmentFactory, ConventionFactory, OrganisationFactory
from tests.querycount import assert_same_query_count

from .factories import EnvelopeFactory, funder, make_action

D = Decimal


def independent_sums(cite, year):
    """Totals straight from the rows, the way an auditor would add them up."""
    lines = FundingLine.objects.filter(action__cite=cite, action__year=year)
    decided = lines.filter(status__in=DECIDED_STATUSES)
    return {
        "envelope": Envelope.objects.filter(cite=cite, year=year).aggregate(s=Sum("amount"))["s"] or 0,
        "requested": lines.exclude(status=LineStatus.CANCELLED).aggregate(s=Sum("requested_amount"))["s"] or 0,
        "decided": decided.aggregate(s=Sum("decided_amount"))["s"] or 0,
        "committed": decided.exclude(status=LineStatus.DECIDED).aggregate(s=Sum("decided_amount"))["s"] or 0,
        "paid": Payment.objects.filter(line__in=lines).aggregate(s=Sum("amount"))["s"] or 0,
        "justified": lines.filter(status=LineStatus.JUSTIFIED).aggregate(s=Sum("decided_amount"))["s"] or 0,
    }


def assert_totals_match(cite, year):
    overview = cite_overview(cite, year)
    expected = independent_sums(cite, year)
    for name, value in expected.items():
        assert getattr(overview.total, name) == value, name
        assert sum((getattr(row, name) or 0 for row in overview.rows), D(0)) == value, name
    for name in ("requested", "decided", "committed", "paid", "justified"):
        assert sum((getattr(row, name) for row in overview.objectives), D(0)) == expected[name], name
    return overview


def fund(cite, envelopes, porteurs, count, rng, *, year=2026):
    """``count`` actions with one line per envelope at a random stage."""
    for i in range(count):
        action = make_action(cite, rng.choice(porteurs), year=year, objective=rng.choice([1, 2, 3, None]))
        for envelope in envelopes:
            line = FundingLine.objects.create(
                action=action,
                funder=envelope.funder,
                envelope=envelope if envelope.pk else None,
                requested_amount=D(rng.randrange(100, 2000)),
            )
            stage = rng.choice(["requested", "decided", "committed", "paid", "justified", "rejected"])
            if stage == "requested":
                continue
            decided = line.requested_amount if stage != "rejected" else D(0)
            try:
                services.set_amounts(line, decided=decided, by=None)
            except services.FundingError:
                continue
            if stage in ("committed", "paid", "justified"):
                services.record_legal_act(
                    line, act_type="arrete", reference=f"A-{i}", date=datetime.date(year, 3, 1), by=None
                )
                services.record_payment(
                    line,
                    kind=Payment.Kind.ADVANCE,
                    amount=(line.decided_amount / 2).quantize(D("0.01")),
                    date=datetime.date(year, 4, 1),
                    by=None,
                )
            if stage == "justified":
                services.change_status(line, LineStatus.JUSTIFIED, by=None)


def test_overview_totals_equal_an_independent_sum(world):
    rng = random.Random(5)
    cite = world.a.cite
    anct = funder("ANCT", cites=[cite])
    men = funder("Éducation nationale", cites=[cite])
    caf = funder("CAF", cites=[cite], kind=Organisation.Kind.ORGANISME_SOCIAL)
    envelopes = [
        EnvelopeFactory(cite=cite, funder=anct, programme=Programme.P147, amount=D("30000")),
        EnvelopeFactory(cite=cite, funder=men, programme=Programme.P230, amount=D("8000")),
        Envelope(funder=caf),  # lines outside any envelope
    ]
    convention = ConventionFactory(cite=cite)
    ConventionCommitmentFactory(convention=convention, funder=anct, year=2026, amount=D("32000"))
    fund(cite, envelopes, [world.a.organisation, OrganisationFactory(cites=[cite])], 20, rng)
    overview = assert_totals_match(cite, 2026)
    assert overview.total.commitment == D("32000")
    p147 = next(row for row in overview.rows if row.is_p147)
    others = overview.total.decided - p147.decided
    assert overview.leverage == (others / p147.decided).quantize(D("0.01"))
    assert p147.remaining == D("30000") - p147.decided
    assert any(row.programme == "Hors enveloppe" for row in overview.rows)


def test_ales_demo_year_has_270_000_euros_of_envelopes(db):
    call_command("load_demo", verbosity=0)
    ales = Cite.objects.get(slug="ales-agglomeration")
    assert Envelope.objects.filter(cite=ales, year=2026).aggregate(s=Sum("amount"))["s"] == D("270000")
    overview = assert_totals_match(ales, 2026)
    assert overview.total.envelope == D("270000.00")
    assert overview.total.commitment == D("270000.00")  # the convention's yearly commitments
    assert [(row.label, row.envelope) for row in overview.rows] == [
        ("Agence nationale de la cohésion des territoires (ANCT)", D("175000")),
        ("Alès Agglomération", D("80000")),
        ("Ministère de l'Éducation nationale", D("15000")),
    ]


# --- Query counts ------------------------------------------------------------------------
SMALL, LARGE = 5, 50


@pytest.fixture
def growing(world):
    """``grow(n)`` brings cité A to ``n`` funded actions of the partner's organisation."""
    rng = random.Random(50)
    cite = world.a.cite
    anct = funder("ANCT", cites=[cite])
    ville = funder("Ville A", cites=[cite], kind=Organisation.Kind.COLLECTIVITE)
    envelopes = [
        EnvelopeFactory(cite=cite, funder=anct, programme=Programme.P147, amount=D("1000000")),
        EnvelopeFactory(cite=cite, funder=ville, programme=Programme.COLLECTIVITE, amount=D("1000000")),
    ]

    def grow(n):
        missing = n - FundingLine.objects.values("action").distinct().count()
        fund(cite, envelopes, [world.a.organisation], missing, rng)
        return envelopes

    return grow


@pytest.mark.parametrize(
    "name, role",
    [
        ("overview", "coordinator"),
        ("programming", "coordinator"),
        ("programming", "pilot"),
        ("envelope_detail", "prefecture"),
        ("my_funding", "partner"),
        ("index", "pilot"),
        ("export_xlsx", "coordinator"),
        ("export_csv", "coordinator"),
    ],
)
def test_same_number_of_queries_with_5_and_50_actions(login, world, growing, name, role):
    envelopes = growing(SMALL)
    args = {
        "overview": [world.a.cite.pk, 2026],
        "programming": [world.a.cite.pk, 2026],
        "envelope_detail": [envelopes[0].pk],
        "export_xlsx": [world.a.cite.pk, 2026],
        "export_csv": [world.a.cite.pk, 2026, "lignes"],
    }.get(name, [])
    url = reverse(f"financements:{name}", args=args)

    def grow(n):
        growing(n)
        if name in ("programming", "my_funding", "envelope_detail"):
            return list(FundingLine.objects.values_list("action__title", flat=True).distinct())

    assert_same_query_count(login(getattr(world.a, role)), url, grow, sizes=(SMALL, LARGE))


def test_a_year_without_any_funding_data_shows_an_empty_overview(login, world):
    """It answered 500 (TypeError) for a year without envelopes nor lines — the current
    year of Valenton and Alençon, reached from the dashboard."""
    response = login(world.a.coordinator).get(reverse("financements:overview", args=[world.a.cite.pk, 2031]))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.total.decided == 0 and overview.total.envelope is None and overview.leverage is None
    assert "Aucune enveloppe ni ligne de financement pour 2031." in response.content.decode()
