"""The ``load_demo`` command: complete, valid and idempotent demo data."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.http import HttpRequest

from accounts.models import Membership, Role, User
from cites.models import Cite, Commune, Convention, ConventionCommitment, Organisation, PriorityArea, School
from cites.validators import validate_insee, validate_qpv, validate_rna, validate_siret, validate_uai
from demo.data import cites as demo_data

PASSWORD = "Demo-Cite-2026!"
DEMO_EMAILS = [
    "admin@example.org",
    "coordination.ales@example.org",
    "troika.ales@example.org",
    "prefecture.gard@example.org",
    "partenaire.ales@example.org",
    "coordination.valenton@example.org",
    "coordination.alencon@example.org",
    "prefecture.valdemarne@example.org",
]

pytestmark = pytest.mark.django_db


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def models_with_tables():
    tables = set(connection.introspection.table_names())
    return [model for model in apps.get_models() if model._meta.db_table in tables]


def counts():
    return {model._meta.label: model._default_manager.count() for model in models_with_tables()}


def snapshot():
    """Every row of the project's own apps (including history tables), field by field."""
    return {
        model._meta.label: sorted(map(repr, model._default_manager.values()))
        for model in models_with_tables()
        if model._meta.app_label in ("accounts", "cites")
    }


def test_second_run_changes_nothing():
    first_output = load_demo()
    counts_after_first, rows_after_first = counts(), snapshot()
    second_output = load_demo()

    assert counts() == counts_after_first
    assert snapshot() == rows_after_first
    assert "Objets créés : 0, mis à jour : 0" in second_output
    assert "mis à jour : 0" in first_output
    for model in (Cite, Commune, PriorityArea, School, Organisation, Convention, ConventionCommitment, Membership):
        assert counts_after_first[model._meta.label] > 0, model


def test_output_mentions_the_cites_and_accounts():
    output = load_demo()
    for name in (
        "Cité éducative d'Alès Agglomération",
        "Cité éducative d'Alençon – Perseigne",
        "Cité éducative de Valenton",
    ):
        assert name in output
    assert "270 000 €" in output
    assert "coordination.ales@example.org" in output


def test_cites_and_their_perimeter():
    load_demo()
    ales = Cite.objects.get(slug="ales-agglomeration")
    assert (ales.code, ales.departement, ales.label_year, ales.status) == ("ALES", "30", 2025, Cite.Status.LABELLED)
    assert str(ales.label_start) == "2025-09-01" and str(ales.label_end) == "2028-08-31"
    assert ales.lead_school.name == "Jean Moulin" and ales.lead_school.kind == School.Kind.COLLEGE
    assert ales.communes.filter(insee_code="30007", name="Alès").exists()
    assert ales.priority_areas.count() == 5
    assert set(ales.axes.values_list("code", "national_objective")) == {("1.1", 1), ("2.1", 2), ("3.1", 3)}
    assert ales.organisations.filter(kind=Organisation.Kind.ASSOCIATION).count() >= 3

    alencon = Cite.objects.get(slug="alencon-perseigne")
    assert alencon.communes.filter(insee_code="61001").exists()
    assert alencon.lead_school.name == "Louise Michel"
    assert alencon.organisations.filter(kind=Organisation.Kind.ASSOCIATION).count() >= 2

    valenton = Cite.objects.get(slug="valenton")
    assert valenton.communes.filter(insee_code="94074").exists()
    assert valenton.lead_school.name == "Fernande-Flagon"
    assert valenton.organisations.filter(kind=Organisation.Kind.ASSOCIATION).count() >= 2
    assert valenton.conventions.filter(kind=Convention.Kind.FONDS).exists()


def test_convention_figures():
    load_demo()
    convention = Convention.objects.get(cite__slug="ales-agglomeration", kind=Convention.Kind.CADRE)
    assert convention.status == Convention.Status.SIGNED and str(convention.signed_on) == "2025-10-27"
    assert convention.signatories.count() == 3
    for year in (2025, 2026, 2027):
        total = convention.commitments.filter(year=year).aggregate(total=Sum("amount"))["total"]
        assert total == Decimal("270000.00")
    amounts_2026 = dict(convention.commitments.filter(year=2026).values_list("funder__name", "amount"))
    assert amounts_2026 == {
        "Agence nationale de la cohésion des territoires (ANCT)": Decimal("175000.00"),
        "Ministère de l'Éducation nationale": Decimal("15000.00"),
        "Alès Agglomération": Decimal("80000.00"),
    }

    alencon = ConventionCommitment.objects.filter(convention__cite__slug="alencon-perseigne")
    for year in (2022, 2023, 2024):
        assert alencon.filter(year=year).aggregate(total=Sum("amount"))["total"] == Decimal("215000.00")
    valenton = ConventionCommitment.objects.filter(convention__cite__slug="valenton")
    assert valenton.aggregate(total=Sum("amount"))["total"] == Decimal("475000.00")

    for commitment in ConventionCommitment.objects.select_related("funder", "convention"):
        assert commitment.funder.is_funder
        assert commitment.funder.cites.filter(pk=commitment.convention.cite_id).exists()


def test_demo_accounts_log_in_with_the_demo_password():
    load_demo()
    for email in DEMO_EMAILS:
        assert authenticate(HttpRequest(), username=email, password=PASSWORD) is not None, email
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_superuser and admin.is_staff


def test_memberships():
    load_demo()
    assert Membership.objects.filter(
        user__email="coordination.ales@example.org",
        role=Role.COORDINATOR,
        cite__slug="ales-agglomeration",
        is_active=True,
    ).exists()
    assert Membership.objects.filter(user__email="troika.ales@example.org", role=Role.PILOT).exists()
    assert Membership.objects.get(user__email="prefecture.gard@example.org").departement == "30"
    assert Membership.objects.get(user__email="prefecture.valdemarne@example.org").departement == "94"
    partner = Membership.objects.get(user__email="partenaire.ales@example.org")
    assert (partner.role, partner.organisation.name) == (Role.PARTNER, "Association Alès Réussite Éducative")
    assert Membership.objects.get(user__email="coordination.valenton@example.org").cite.slug == "valenton"
    assert Membership.objects.get(user__email="coordination.alencon@example.org").cite.slug == "alencon-perseigne"


def test_every_stored_code_passes_its_validator():
    load_demo()
    for insee_code in Commune.objects.values_list("insee_code", flat=True):
        validate_insee(insee_code)
    for code in PriorityArea.objects.values_list("code", flat=True):
        validate_qpv(code)
    for uai in School.objects.values_list("uai", flat=True):
        validate_uai(uai)
    sirets = Organisation.objects.exclude(siret=None).values_list("siret", flat=True)
    assert len(sirets) >= 7
    for siret in sirets:
        validate_siret(siret)
    for rna in Organisation.objects.exclude(rna="").values_list("rna", flat=True):
        validate_rna(rna)


def test_rerun_restores_edited_demo_data():
    load_demo()
    before = counts()
    Cite.objects.filter(slug="valenton").update(name="Renommée")
    ConventionCommitment.objects.filter(year=2026, funder__name__startswith="Alès").update(amount=Decimal("1.00"))
    user = User.objects.get(email="troika.ales@example.org")
    user.set_password("Un-autre-mot-de-passe-2026")
    user.save()

    output = load_demo()

    # no new rows, except the history of the restored amount (money changes keep a history)
    assert counts() == {
        **before,
        "cites.HistoricalConventionCommitment": before["cites.HistoricalConventionCommitment"] + 1,
    }
    assert Cite.objects.get(slug="valenton").name == "Cité éducative de Valenton"
    assert authenticate(HttpRequest(), username="troika.ales@example.org", password=PASSWORD) is not None
    total = ConventionCommitment.objects.filter(convention__cite__slug="ales-agglomeration", year=2026).aggregate(
        total=Sum("amount")
    )["total"]
    assert total == Decimal("270000.00")
    assert "Objets créés : 0, mis à jour : 3" in output


def test_invalid_code_fails_loudly_and_loads_nothing(monkeypatch):
    monkeypatch.setitem(demo_data.SCHOOLS, "0300901A", ("Mauvaise clé", "ecole", "", 10, "30007"))
    with pytest.raises(CommandError, match="UAI"):
        load_demo()
    assert not Commune.objects.exists()
    assert not Cite.objects.exists()
