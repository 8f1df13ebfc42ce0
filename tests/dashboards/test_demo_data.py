"""On the demo data (``load_demo``), every dashboard's figures equal the independent
computation from the rows."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from actions.models import Action
from cites.models import Cite
from tests.otp import force_login_verified

from .expected import by_cite, cite_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def _years():
    return sorted(set(Action.objects.values_list("year", flat=True)))


def test_cite_dashboards_on_the_demo(client, demo):
    force_login_verified(client, User.objects.get(email="admin@example.org"))
    checked = 0
    for cite in Cite.objects.all():
        for year in _years():
            ctx = client.get(reverse("pilotage:dashboard_cite"), {"cite": cite.pk, "annee": year}).context
            expected = cite_figures(cite, year)
            statuses = {row["status"]: row["count"] for row in ctx["by_status"]["rows"] if row["count"]}
            assert statuses == dict(expected["status"])
            funders = {
                row["label"]: {"envelope": row["envelope"], "decided": row["decided"], "paid": row["paid"]}
                for row in ctx["money"]["rows"]
            }
            assert funders == expected["funders"]
            reported = {row["band"]: row["reported_total"] for row in ctx["beneficiaries"]["rows"]}
            for band, (girls, boys, _) in expected["reported"].items():
                assert reported[band] == girls + boys
            assert ctx["reach"] == {"priority_areas": expected["qpvs"], "schools": expected["schools"]}
            checked += ctx["by_status"]["total"]
    assert checked > 0


def test_prefecture_and_national_on_the_demo(client, demo):
    gard = User.objects.get(email="prefecture.gard@example.org")
    force_login_verified(client, gard)
    for year in _years():
        rows = client.get(reverse("pilotage:dashboard_prefecture"), {"annee": year}).context["rows"]
        expected = by_cite(Cite.objects.filter(departement="30"), year)
        assert {row["cite_id"] for row in rows} == set(expected)
        for row in rows:
            for field in ("envelope", "decided", "paid", "actions", "programmed", "bilans", "reports", "last_copil"):
                assert row[field] == expected[row["cite_id"]][field], field
    force_login_verified(client, User.objects.get(email="admin@example.org"))
    for year in _years():
        total = client.get(reverse("pilotage:dashboard_national"), {"annee": year}).context["total"]
        expected = by_cite(Cite.objects.all(), year).values()
        for field in ("envelope", "decided", "paid", "actions", "bilans"):
            assert total[field] == sum(row[field] for row in expected), field
