"""The coordinator's dashboard: figures equal to an independent computation, chart data
equal to the data tables, a bounded number of queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actions.models import Action, AgeBand
from cites.models import LocalAxis
from tests.querycount import assert_same_query_count

from .conftest import YEAR
from .expected import cite_figures
from .helpers import number, parse

S = Action.Status
URL = reverse("pilotage:dashboard_cite")


def _get(client, cite, year=YEAR):
    return client.get(URL, {"cite": cite.pk, "annee": year})


def test_figures_equal_an_independent_computation(login, world, populate):
    populate("a", 23)
    populate("b", 7)  # another cité: never counted
    response = _get(login(world.a.coordinator), world.a.cite)
    assert response.status_code == 200
    expected = cite_figures(world.a.cite, YEAR)
    ctx = response.context

    statuses = {row["status"]: row["count"] for row in ctx["by_status"]["rows"]}
    assert {k: v for k, v in statuses.items() if v} == dict(expected["status"])
    assert ctx["by_status"]["total"] == len(expected["ids"])
    objectives = {row["objective"]: row["count"] for row in ctx["by_objective"]["rows"]}
    assert {k: v for k, v in objectives.items() if v} == dict(expected["objective"])

    funders = {
        row["label"]: {"envelope": row["envelope"], "decided": row["decided"], "paid": row["paid"]}
        for row in ctx["money"]["rows"]
    }
    assert funders == expected["funders"]
    total = ctx["money"]["total"]
    assert total["decided"] == sum(f["decided"] for f in expected["funders"].values())
    assert total["paid"] == sum(f["paid"] for f in expected["funders"].values())
    anct = next(row for row in ctx["money"]["rows"] if row["label"].startswith("ANCT"))
    assert anct["remaining"] == anct["envelope"] - anct["decided"]
    assert anct["consumption_rate"] == (anct["decided"] * 100 / anct["envelope"]).quantize(Decimal("0.1"))

    people = {row["band"]: row for row in ctx["beneficiaries"]["rows"]}
    for band, (girls, boys) in expected["planned"].items():
        assert (people[band]["planned_girls"], people[band]["planned_boys"]) == (girls, boys)
    for band, (girls, boys, qpv) in expected["reported"].items():
        assert (people[band]["reported_girls"], people[band]["reported_boys"], people[band]["reported_qpv"]) == (
            girls,
            boys,
            qpv,
        )
    assert ctx["beneficiaries"]["total"]["reported_total"] == sum(g + b for g, b, _ in expected["reported"].values())
    assert ctx["reach"] == {"priority_areas": expected["qpvs"], "schools": expected["schools"]}
    assert expected["reported"] and expected["qpvs"]  # the data exercises every figure

    html = response.content.decode()
    assert world.b.cite.name not in html


def test_chart_tables_hold_the_numbers_of_the_chart_data(login, world, populate):
    populate("a", 17)
    response = _get(login(world.a.pilot), world.a.cite)
    tables, scripts = parse(response)
    for chart_id in ("chart-status", "chart-objective", "chart-money", "chart-beneficiaries"):
        data = scripts[f"{chart_id}-data"]
        table = tables[chart_id]
        assert [row[0][0] for row in table["body"]] == data["labels"], chart_id
        for index, dataset in enumerate(data["datasets"], start=1):
            shown = [number(row[index][0]) or Decimal("0") for row in table["body"]]
            assert shown == [Decimal(str(value)) for value in dataset["data"]], (chart_id, dataset["label"])
        assert all(dataset["data"] for dataset in data["datasets"])
    # Every chart is a figure with a caption, drawn by the static script (no inline JS).
    html = response.content.decode()
    assert html.count("<figure") == 4 and html.count("<figcaption") == 4
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/charts.js" in html
    assert "<script>" not in html


def test_empty_cite_renders(login, world):
    response = _get(login(world.a.coordinator), world.a.cite)
    assert response.status_code == 200
    assert "Rien en attente." in response.content.decode()


def test_todo_lists_what_needs_action(login, world, populate):
    actions = populate("a", 20)
    response = _get(login(world.a.coordinator), world.a.cite)
    todo = {block["key"]: block for block in response.context["todo"]}
    visible = [a for a in actions if a.status != S.DRAFT]
    assert todo["instruct"]["count"] == sum(1 for a in visible if a.status in (S.SUBMITTED, S.IN_REVIEW))
    assert todo["opinions"]["count"] == sum(1 for a in visible if a.status == S.IN_REVIEW)  # no avis yet
    assert todo["answered"]["count"] == sum(1 for a in visible if a.status == S.IN_REVIEW and a.transitions.exists())
    due = [
        a
        for a in visible
        if a.status in (S.PROGRAMMED, S.IN_PROGRESS)
        and a.end_date < a.end_date.today()
        and not (hasattr(a, "bilan") and a.bilan.submitted_at)
    ]
    assert todo["bilans"]["count"] == len(due) > 0
    assert len(todo["instruct"]["items"]) == min(5, todo["instruct"]["count"])
    assert [m.title for m in response.context["meetings"]][0].startswith("COPIL à venir")
    assert response.context["calls"][0]["closing_soon"] is True


def test_pilot_awaits_their_own_opinion(login, world, populate):
    from actions.models import Opinion

    actions = populate("a", 10)
    in_review = [a for a in actions if a.status == S.IN_REVIEW]
    Opinion.objects.create(action=in_review[0], author=world.a.pilot, verdict="favourable")
    todo = {b["key"]: b for b in _get(login(world.a.pilot), world.a.cite).context["todo"]}
    assert todo["opinions"]["count"] == len(in_review) - 1
    assert todo["opinions"]["title"] == "Avis attendus de vous"


def test_switcher_keeps_cite_and_year_in_the_url(login, world, populate):
    from accounts.models import Membership, Role

    Membership.objects.create(user=world.a.coordinator, role=Role.PILOT, cite=world.b.cite)
    populate("b", 4, year=YEAR - 1)
    client = login(world.a.coordinator)
    response = _get(client, world.b.cite, YEAR - 1)
    assert response.context["cite"] == world.b.cite and response.context["year"] == YEAR - 1
    html = response.content.decode()
    assert f'<option value="{world.b.cite.pk}" selected>' in html
    assert f'<option value="{YEAR - 1}" selected>' in html
    assert response.context["by_status"]["total"] == 4  # none of the first four is a draft
    # "/" is the same page for a coordinator, with the same querystring.
    home = client.get(reverse("home"), {"cite": world.b.cite.pk, "annee": YEAR - 1})
    assert home.context["cite"] == world.b.cite


def test_planned_beneficiaries_single_and_several_bands(login, world, populate):
    from .conftest import AGE_BANDS

    assert ["6-10", "11-15"] in AGE_BANDS and AgeBand.AGE_11_15 == "11-15"
    populate("a", 12)
    rows = {row["band"]: row for row in _get(login(world.a.coordinator), world.a.cite).context["beneficiaries"]["rows"]}
    assert "plusieurs" in rows and rows["plusieurs"]["planned_total"] > 0
    assert rows["plusieurs"]["reported_total"] == 0


@pytest.mark.parametrize("role", ["coordinator", "pilot", "prefecture"])
def test_query_count_does_not_grow_with_the_data(login, world, populate, role):
    user = getattr(world.a, role)
    url = f"{URL}?cite={world.a.cite.pk}&annee={YEAR}"

    def grow(n):  # 3 actions, then 30 more
        populate("a", n)

    count = assert_same_query_count(login(user), url, grow, sizes=(3, 30))
    assert count <= 30


def test_objective_labels_are_the_national_objectives(login, world, populate):
    populate("a", 8)
    labels = [row["label"] for row in _get(login(world.a.coordinator), world.a.cite).context["by_objective"]["rows"]]
    assert labels[:3] == [label for _, label in LocalAxis.NationalObjective.choices]
