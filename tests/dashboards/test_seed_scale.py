"""``seed_scale`` on SQLite with tiny numbers: every kind of row, deterministic, and the
dashboards read the result."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from actions.models import Action, ActionReport, BeneficiaryCount, BudgetLine
from cites.models import Cite
from financements.models import DECIDED_STATUSES, Envelope, FundingLine, Payment
from pilotage.models import Meeting

pytestmark = pytest.mark.django_db

ARGS = ["--cites", "2", "--years", "1", "--actions-per-year", "3"]


def _seed(*extra):
    out, err = StringIO(), StringIO()
    call_command("seed_scale", *ARGS, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _snapshot():
    return [
        (a.reference, a.title, a.status, a.year, a.expected_girls, a.porteur.name, tuple(a.age_bands))
        for a in Action.objects.select_related("porteur").order_by("cite__code", "year", "reference", "title")
    ]


def test_tiny_seed_builds_every_kind_of_row():
    out, err = _seed()
    assert Cite.objects.filter(slug__startswith="scale-").count() == 2
    assert Action.objects.count() == 2 * 1 * 3
    assert BudgetLine.objects.count() == 4 * 6
    assert Envelope.objects.count() == 2 * 3
    assert Meeting.objects.count() == 2 * 3
    assert "100 %" in err and "Jeu de données généré" in out
    # Every envelope covers what is decided on it, and its maintained totals are the sums.
    for envelope in Envelope.objects.with_totals():
        assert envelope.decided_sum() <= envelope.amount
        assert (envelope.stored_decided, envelope.stored_paid) == (envelope.decided_total, envelope.paid_total)
    assert Envelope.objects.filter(stored_decided__gt=0).exists() == FundingLine.objects.counted().exists()
    assert Envelope.objects.filter(stored_paid__gt=0).exists() == Payment.objects.exists()
    # Balanced budgets.
    for action in Action.objects.all():
        charges, produits = action.budget_totals()
        assert charges == produits
    # Payments never exceed the decided amount.
    for line in FundingLine.objects.filter(status__in=DECIDED_STATUSES):
        assert line.paid_amount() <= line.decided_amount
    assert User.objects.filter(email="coordination.sc0001@scale.example.org").exists()
    assert User.objects.get(email="admin@scale.example.org").is_superuser


def test_seed_refuses_to_run_twice():
    _seed("--seed", "7")
    with pytest.raises(CommandError, match="déjà chargé"):
        _seed("--seed", "7")


def test_same_seed_same_rows():
    _seed("--seed", "11")
    first = _snapshot()
    for model in (BeneficiaryCount, ActionReport, Payment, FundingLine, Envelope, BudgetLine):
        model.objects.all().delete()
    Meeting.objects.all().delete()
    Action.objects.all().delete()
    User.objects.filter(email__endswith="@scale.example.org").delete()
    Cite.objects.all().delete()
    from cites.models import Commune, Organisation, PriorityArea, School

    School.objects.all().delete()
    Commune.objects.all().delete()
    PriorityArea.objects.all().delete()
    Organisation.objects.all().delete()
    _seed("--seed", "11")
    assert _snapshot() == first


def test_dashboards_read_the_seeded_data(client):
    _seed("--actions-per-year", "20")
    assert Payment.objects.exists() and BeneficiaryCount.objects.filter(report__submitted_at__isnull=False).exists()
    client.force_login(User.objects.get(email="coordination.sc0001@scale.example.org"))
    response = client.get(reverse("home"))
    assert response.status_code == 200 and response.context["by_status"]["total"] > 0
    client.force_login(User.objects.get(email="admin@scale.example.org"))
    assert client.get(reverse("dashboards:national")).context["total"]["cites"] == 2


def test_seeded_envelope_totals_are_the_sums_of_lines_and_payments():
    call_command(
        "seed_scale", "--cites", "2", "--years", "2", "--actions-per-year", "12", stdout=StringIO(), stderr=StringIO()
    )
    assert Payment.objects.exists()
    for envelope in Envelope.objects.with_totals():
        assert (envelope.stored_decided, envelope.stored_paid) == (envelope.decided_total, envelope.paid_total)
    assert Envelope.objects.filter(stored_paid__gt=0).exists()
