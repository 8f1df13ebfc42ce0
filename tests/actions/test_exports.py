"""Exports of the proposals list (CSV and XLSX): the same actions as the list with the
same filters, French headers, amounts as numbers, formulas made inert, and each role
exports only what it may see."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from actions.models import Action
from core.spreadsheets import EURO_FORMAT

from .factories import CallFactory, balanced_budget

pytestmark = pytest.mark.django_db
S = Action.Status
FORMULA_TITLE = '=HYPERLINK("https://exemple.invalid/vol","Cliquez ici")'
HEADERS = [
    "Référence", "Intitulé", "Porteur", "Cité éducative", "Appel à projets", "Année", "Objectif national",
    "Axe local", "Statut", "Date de dépôt", "Charges prévues", "Produits prévus", "Équilibre",
]  # fmt: skip


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="propositions-')
    assert response["Cache-Control"] == "private, no-store"
    raw = response.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for spreadsheet software
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Cache-Control"] == "private, no-store"
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["Propositions"]
    return book.active


def _export(client, fmt, query=""):
    return client.get(reverse("actions:export", args=[fmt]) + (f"?{query}" if query else ""))


def _listed(client, query=""):
    response = client.get(reverse("actions:list") + (f"?{query}" if query else ""))
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.paginator.num_pages == 1
    return list(page)


@pytest.fixture
def proposals(world, make_action):
    """Cité A: a submitted action with a formula as title and an uneven budget (1 500 €
    of charges, 1 000 € of produits), one in review on another call, a draft; cité B: one
    submitted action."""
    formula = make_action(status=S.SUBMITTED, title=FORMULA_TITLE, reference="CITEA-2026-001")
    balanced_budget(formula, amount=Decimal("500.00"))
    formula.budget_lines.filter(side="produit").order_by("-id").first().delete()
    other_call = CallFactory(cite=world.a.cite, title="Second appel")
    in_review = make_action(
        status=S.IN_REVIEW, title="Ateliers de lecture", call=other_call, reference="CITEA-2026-002"
    )
    in_review.reviewers.add(world.a.pilot)
    draft = make_action(title="Brouillon de A")
    other_cite = make_action(status=S.SUBMITTED, side="b", title="Action de la cité B", reference="CITEB-2026-001")
    return {"formula": formula, "in_review": in_review, "draft": draft, "other_cite": other_cite}


class TestCsv:
    def test_the_csv_is_the_list(self, login, world, proposals):
        client = login(world.a.coordinator)
        rows = _csv(_export(client, "csv"))
        assert rows[0] == [*HEADERS, "Rapporteurs"]
        listed = _listed(client)
        assert [row[1] for row in rows[1:]] == ["'" + FORMULA_TITLE, "Ateliers de lecture"]
        assert [row[0] for row in rows[1:]] == [action.reference for action in listed]
        for row, action in zip(rows[1:], listed, strict=True):
            assert row[10] == f"{action.charges_total:.2f}".replace(".", ",")
            assert row[11] == f"{action.produits_total:.2f}".replace(".", ",")
        formula, in_review = rows[1], rows[2]
        assert formula[10:13] == ["1500,00", "1000,00", "Non équilibré"]
        assert in_review[10:14] == ["1000,00", "1000,00", "Équilibré", world.a.pilot.full_name]
        assert in_review[8] == "En instruction" and in_review[4] == "Second appel"
        assert formula[3] == world.a.cite.name and formula[5] == "2026"

    def test_a_formula_in_any_text_cell_is_inert(self, login, world, proposals):
        proposals["in_review"].porteur.name = "+33 6 12 34 56 78"
        proposals["in_review"].porteur.save()
        rows = _csv(_export(login(world.a.coordinator), "csv"))
        cells = [cell for row in rows[1:] for cell in row]
        assert "'" + FORMULA_TITLE in cells and "'+33 6 12 34 56 78" in cells
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
        assert not any(cell.startswith("-") for cell in cells)


class TestXlsx:
    def test_the_workbook_is_the_list(self, login, world, proposals):
        client = login(world.a.coordinator)
        sheet = _xlsx(_export(client, "xlsx"))
        rows = list(sheet.iter_rows())
        assert [cell.value for cell in rows[0]] == [*HEADERS, "Rapporteurs"]
        listed = _listed(client)
        assert [row[0].value for row in rows[1:]] == [action.reference for action in listed]
        for row, action in zip(rows[1:], listed, strict=True):
            charges, produits = row[10], row[11]
            assert isinstance(charges.value, (int, float)) and isinstance(produits.value, (int, float))
            assert charges.number_format == produits.number_format == EURO_FORMAT
            assert Decimal(str(charges.value)) == action.charges_total
            assert Decimal(str(produits.value)) == action.produits_total
            assert row[5].value == 2026
            assert row[9].number_format == "DD/MM/YYYY" or row[9].value is None

    def test_a_formula_title_is_inert_text(self, login, world, proposals):
        sheet = _xlsx(_export(login(world.a.coordinator), "xlsx"))
        title = sheet["B2"]
        assert title.value == "'" + FORMULA_TITLE
        assert title.data_type == "s"  # a string cell, not a formula
        assert not any(
            cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))
            for row in sheet.iter_rows()
            for cell in row
        )


@pytest.mark.parametrize(
    "query",
    ["", "statut=in_review", "statut=submitted", "tri=titre", "tri=depot", "rapporteur=moi", "statut=nimporte"],
)
def test_filters_and_order_are_the_lists(login, world, proposals, query):
    """The export takes the list's querystring: same actions, same order."""
    client = login(world.a.pilot)
    expected = [action.title for action in _listed(client, query)]
    assert [row[1].lstrip("'") for row in _csv(_export(client, "csv", query))[1:]] == expected
    sheet = _xlsx(_export(client, "xlsx", query))
    assert [row[1].value.lstrip("'") for row in sheet.iter_rows(min_row=2)] == expected


def test_the_call_filter(login, world, proposals):
    client = login(world.a.coordinator)
    query = f"appel={proposals['in_review'].call_id}"
    assert [row[1] for row in _csv(_export(client, "csv", query))[1:]] == ["Ateliers de lecture"]
    assert [action.title for action in _listed(client, query)] == ["Ateliers de lecture"]


def test_the_export_has_every_page_of_the_list(login, world, make_action):
    for _ in range(30):
        make_action(status=S.SUBMITTED)
    client = login(world.a.coordinator)
    response = client.get(reverse("actions:list"))
    assert response.context["page_obj"].paginator.count == 30
    assert len(_csv(_export(client, "csv"))) == 31


@pytest.mark.parametrize(
    ("who", "titles"),
    [
        ("a.coordinator", {FORMULA_TITLE, "Ateliers de lecture"}),
        ("a.pilot", {FORMULA_TITLE, "Ateliers de lecture"}),
        ("a.prefecture", {FORMULA_TITLE, "Ateliers de lecture"}),
        ("a.partner", {FORMULA_TITLE, "Ateliers de lecture", "Brouillon de A"}),
        ("b.coordinator", {"Action de la cité B"}),
        ("b.pilot", {"Action de la cité B"}),
        ("b.prefecture", {"Action de la cité B"}),
        ("b.partner", {"Action de la cité B"}),
        ("admin", {FORMULA_TITLE, "Ateliers de lecture", "Brouillon de A", "Action de la cité B"}),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_role_exports_what_it_sees(login, world, proposals, who, titles, fmt):
    user = world.admin if who == "admin" else getattr(getattr(world, who.split(".")[0]), who.split(".")[1])
    client = login(user)
    response = _export(client, fmt)
    if fmt == "csv":
        rows = _csv(response)
        header, exported = rows[0], {row[1].lstrip("'") for row in rows[1:]}
    else:
        sheet = _xlsx(response)
        header = [cell.value for cell in sheet[1]]
        exported = {row[1].value.lstrip("'") for row in sheet.iter_rows(min_row=2)}
    assert exported == titles == {action.title for action in _listed(client)}
    # The instruction's columns are never given to a partner.
    assert ("Rapporteurs" in header) is (not who.endswith("partner"))


def test_a_partner_exports_only_its_own_actions_even_when_filtering_on_others(login, world, proposals):
    client = login(world.b.partner)
    query = f"appel={proposals['in_review'].call_id}&porteur={world.a.organisation.pk}"
    assert _csv(_export(client, "csv", query))[1:] == []
    assert _csv(_export(login(world.b.coordinator), "csv", "statut=in_review"))[1:] == []


def test_anonymous_visitors_are_sent_to_login(client, proposals):
    for fmt in ("csv", "xlsx"):
        response = _export(client, fmt)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_unknown_format_and_post_are_refused(login, world, proposals):
    client = login(world.a.coordinator)
    assert _export(client, "pdf").status_code == 404
    assert client.post(reverse("actions:export", args=["csv"])).status_code == 405


def test_the_list_links_to_the_exports_with_its_filters(login, world, proposals):
    client = login(world.a.coordinator)
    html = client.get(reverse("actions:list"), {"statut": "in_review", "tri": "titre", "page": "1"}).content.decode()
    for fmt, label in (("csv", "Exporter (CSV)"), ("xlsx", "Exporter (XLSX)")):
        assert f'href="{reverse("actions:export", args=[fmt])}?statut=in_review&amp;tri=titre">{label}</a>' in html
    html = client.get(reverse("actions:list")).content.decode()
    assert f'href="{reverse("actions:export", args=["csv"])}">Exporter (CSV)</a>' in html


def test_the_cite_filter_is_the_lists(login, world, proposals):
    admin = login(world.admin)
    query = f"cite={world.b.cite.pk}"
    assert [row[1] for row in _csv(_export(admin, "csv", query))[1:]] == ["Action de la cité B"]
    assert [action.title for action in _listed(admin, query)] == ["Action de la cité B"]
    # A coordinator of B asking for cité A: 404, on the list and on the exports alike.
    outsider = login(world.b.coordinator)
    query = f"cite={world.a.cite.pk}"
    assert outsider.get(reverse("actions:list") + f"?{query}").status_code == 404
    assert _export(outsider, "csv", query).status_code == 404
    assert _export(outsider, "xlsx", query).status_code == 404
