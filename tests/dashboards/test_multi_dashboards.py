"""Préfecture, national and partner pages: figures equal to an independent computation,
sorting, exports, bounded query counts."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Membership, Role
from actions.models import Action
from cites.models import Cite
from financements.models import FundingLine, Payment
from tests.factories import CiteFactory
from tests.querycount import assert_same_query_count

from .conftest import YEAR
from .expected import DECIDED, by_cite
from .helpers import cells_by_col, number, parse

PREFECTURE = reverse("pilotage:dashboard_prefecture")
NATIONAL = reverse("pilotage:dashboard_national")
PARTNER = reverse("pilotage:dashboard_partner")
FIELDS = ("envelope", "decided", "paid", "actions", "programmed", "bilans", "reports")


def _check_row(shown, expected):
    for field in FIELDS:
        value = number(shown[field])
        assert value == Decimal(expected[field]), field


def test_prefecture_sees_every_cite_of_its_departement_side_by_side(login, world, populate):
    second = CiteFactory(departement=world.a.cite.departement, name="Cité éducative A2")
    populate("a", 15)
    populate("b", 6)
    response = login(world.a.prefecture).get(PREFECTURE, {"annee": YEAR})
    assert response.status_code == 200
    tables, _ = parse(response)
    expected = by_cite([world.a.cite, second], YEAR)
    context_rows = {row["cite_id"]: row for row in response.context["rows"]}
    assert set(context_rows) == {world.a.cite.pk, second.pk}  # not cité B (another département)
    for pk, figures in expected.items():
        for field in FIELDS:
            assert context_rows[pk][field] == figures[field], field
        assert context_rows[pk]["last_copil"] == figures["last_copil"]
    # The table shows the same numbers.
    body = tables["cites"]["body"]
    assert len(body) == 2
    by_name = {row[0][0]: cells_by_col(row) for row in body}
    _check_row(by_name[world.a.cite.name], expected[world.a.cite.pk])
    total = cells_by_col(tables["cites"]["foot"][0])
    assert number(total["decided"]) == sum(f["decided"] for f in expected.values())


def test_prefecture_table_sorts_and_keeps_the_filters_in_the_url(login, world, populate):
    CiteFactory(departement=world.a.cite.departement, name="Zèbre cité")
    populate("a", 12)
    client = login(world.a.prefecture)
    ascending = client.get(PREFECTURE, {"annee": YEAR, "tri": "decide"}).context["rows"]
    descending = client.get(PREFECTURE, {"annee": YEAR, "tri": "decide", "ordre": "desc"})
    assert [r["cite_id"] for r in ascending] == [r["cite_id"] for r in reversed(descending.context["rows"])]
    html = descending.content.decode()
    assert 'aria-sort="descending"' in html
    assert f"annee={YEAR}" in html and "tri=decide&amp;ordre=asc" in html


def test_prefecture_exports_csv_and_xlsx(login, world, populate):
    populate("a", 9)
    world.a.cite.name = '=HYPERLINK("http://x")'
    world.a.cite.save()
    client = login(world.a.prefecture)
    response = client.get(reverse("pilotage:dashboard_prefecture_csv"), {"annee": YEAR})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    raw = response.getvalue().decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))
    assert rows[0][0] == "Cité éducative"
    assert rows[1][0].startswith("'=HYPERLINK")
    expected = by_cite([world.a.cite], YEAR)[world.a.cite.pk]
    decided = rows[1][rows[0].index("Décidé (€)")]
    assert decided == f"{expected['decided']:.2f}".replace(".", ",")

    response = client.get(reverse("pilotage:dashboard_prefecture_xlsx"), {"annee": YEAR})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    values = list(sheet.values)
    assert values[1][0].startswith("'=HYPERLINK")
    assert Decimal(str(values[1][values[0].index("Décidé (€)")])) == expected["decided"]


def test_national_aggregates_by_region_and_departement(login, world, populate):
    third = CiteFactory(departement="94", name="Cité éducative C")
    populate("a", 11)
    populate("b", 8)
    response = login(world.admin).get(NATIONAL, {"annee": YEAR})
    assert response.status_code == 200
    expected = by_cite(Cite.objects.all(), YEAR)
    departements = {group["key"]: group for group in response.context["departements"]}
    for code, cites in (("30", [world.a.cite]), ("94", [world.b.cite, third])):
        for field in FIELDS:
            assert departements[code][field] == sum(expected[c.pk][field] for c in cites), field
        assert departements[code]["cites"] == len(cites)
    regions = {group["label"]: group for group in response.context["regions"]}
    assert regions["Occitanie"]["decided"] == expected[world.a.cite.pk]["decided"]
    assert regions["Île-de-France"]["decided"] == expected[world.b.cite.pk]["decided"]
    decided_all = sum((ln.decided_amount for ln in FundingLine.objects.all() if ln.status in DECIDED), Decimal("0"))
    assert response.context["total"]["decided"] == decided_all
    assert response.context["total"]["paid"] == sum(p.amount for p in Payment.objects.all())
    # The chart's data equal the région table.
    tables, scripts = parse(response)
    data = scripts["chart-regions-data"]
    table = tables["chart-regions"]
    assert [row[0][0] for row in table["body"]] == data["labels"]
    for dataset, col in zip(data["datasets"], ("envelope", "decided", "paid"), strict=True):
        assert [number(cells_by_col(row)[col]) for row in table["body"]] == [Decimal(str(v)) for v in dataset["data"]]


def test_national_exports(login, world, populate):
    populate("a", 6)
    client = login(world.admin)
    for level in ("region", "departement", "cite"):
        response = client.get(reverse("pilotage:dashboard_national_csv"), {"annee": YEAR, "niveau": level})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
        assert len(rows) >= 2
    assert client.get(reverse("pilotage:dashboard_national_csv"), {"niveau": "x"}).status_code == 404
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("pilotage:dashboard_national_xlsx"), {"annee": YEAR}).getvalue())
    )
    assert [sheet.title for sheet in workbook] == [f"Régions {YEAR}", f"Départements {YEAR}", f"Cités {YEAR}"]


def test_partner_home_shows_their_actions_money_and_open_calls(login, world, populate):
    actions = populate("a", 14)
    populate("b", 5)
    response = login(world.a.partner).get(reverse("home"))
    assert response.status_code == 200
    mine = [a for a in actions if a.porteur_id == world.a.organisation.pk]
    rows = {row["action"].pk: row for row in response.context["rows"]}
    assert set(rows) == {a.pk for a in mine}  # drafts included, nothing of other porteurs
    for action in mine:
        decided = sum((ln.decided_amount for ln in action.funding_lines.all() if ln.status in DECIDED), Decimal("0"))
        paid = sum((p.amount for ln in action.funding_lines.all() for p in ln.payments.all()), Decimal("0"))
        assert (rows[action.pk]["decided"], rows[action.pk]["paid"]) == (decided, paid)
    tables, _ = parse(response)
    shown = [cells_by_col(row) for row in tables["actions"]["body"]]
    assert [(number(r["decided"]), number(r["paid"])) for r in shown] == [
        (row["decided"], row["paid"]) for row in response.context["rows"]
    ]
    assert [c.cite_id for c in response.context["calls"]] == [world.a.cite.pk]
    assert any(r["next_step"] for r in response.context["rows"])
    assert response.context["rows"][0]["action"].cite_id == world.a.cite.pk


@pytest.mark.parametrize(
    ("url", "who"),
    [(PREFECTURE, "prefecture"), (NATIONAL, "admin"), (PARTNER, "partner")],
)
def test_query_count_does_not_grow_with_the_data(login, world, populate, url, who):
    user = world.admin if who == "admin" else getattr(world.a, who)
    sizes = {"small": (3, 3), "large": (40, 20)}

    def grow(size):
        in_a, in_b = sizes[size]
        populate("a", in_a)
        populate("b", in_b)
        if size == "large":
            CiteFactory(departement="30")

    count = assert_same_query_count(login(user), f"{url}?annee={YEAR}", grow, sizes=list(sizes))
    assert count <= 20


def test_partner_list_is_paginated(login, world, populate):
    populate("a", 80)
    response = login(world.a.partner).get(PARTNER)
    assert len(response.context["rows"]) == 25
    assert response.context["page_obj"].paginator.count == Action.objects.filter(porteur=world.a.organisation).count()


def test_admin_home_goes_to_the_national_view_and_prefecture_to_its_page(login, world):
    assert login(world.admin).get(reverse("home")).url == NATIONAL
    assert login(world.a.prefecture).get(reverse("home")).url == PREFECTURE


def test_prefecture_with_a_cite_membership_lands_on_the_cite(login, world):
    Membership.objects.create(user=world.a.prefecture, role=Role.PILOT, cite=world.a.cite)
    response = login(world.a.prefecture).get(reverse("home"))
    assert response.status_code == 200 and response.context["cite"] == world.a.cite
