"""Budget rows added in place (htmx fragment) and totals computed live and on the server."""

import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from actions.models import Action, BudgetLine

from .test_views_proposals import _budget_data

pytestmark = pytest.mark.django_db
S = Action.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


def row_url(action, prefix="charges"):
    return reverse("actions:budget_row", args=[action.pk, prefix])


def test_the_page_loads_htmx_and_budget_js_without_inline_script(login, world, make_action):
    action = make_action(complete=False)
    content = login(world.a.partner).get(reverse("actions:budget", args=[action.pk])).content.decode()
    assert "htmx" in content and "js/budget.js" in content
    for tag in re.findall(r"<script\b[^>]*>", content):
        assert "src=" in tag or 'type="application/json"' in tag, tag  # no inline JavaScript
    assert 'hx-get="' + row_url(action, "charges") + '"' in content
    assert 'hx-include="#id_produits-TOTAL_FORMS"' in content
    assert "data-budget-form" in content and 'data-budget-total="charges"' in content
    with open(finders.find("js/budget.js"), encoding="utf-8") as handle:
        source = handle.read()
    assert "data-budget-side" in source and "eval(" not in source


def test_a_row_is_added_with_the_next_index(login, world, make_action):
    action = make_action(complete=False)
    client = login(world.a.partner)
    response = client.get(row_url(action, "charges"), {"charges-TOTAL_FORMS": "2"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="charges-2-amount_planned"' in content and 'name="charges-2-DELETE"' in content
    assert "charges-2-funder" not in content  # a charge names no funder
    assert re.search(r'<input type="hidden" name="charges-TOTAL_FORMS" value="3"[^>]*hx-swap-oob="true"', content)
    assert "<html" not in content
    produits = client.get(row_url(action, "produits"), {"produits-TOTAL_FORMS": "0"}, **HTMX).content.decode()
    assert 'name="produits-0-funder"' in produits and 'value="1"' in produits


def test_the_row_fragment_is_guarded(login, world, make_action):
    action = make_action(complete=False)
    data = {"charges-TOTAL_FORMS": "1"}
    assert login(world.b.partner).get(row_url(action), data, **HTMX).status_code == 404
    assert login(world.a.coordinator).get(row_url(action), data, **HTMX).status_code == 404  # a draft
    assert login(world.a.partner).get(row_url(action, "autre"), data, **HTMX).status_code == 404
    assert login(world.a.partner).get(row_url(action), {"charges-TOTAL_FORMS": "x"}, **HTMX).status_code == 400
    assert login(world.a.partner).get(row_url(action), {"charges-TOTAL_FORMS": "500"}, **HTMX).status_code == 400
    response = login(world.a.partner).get(row_url(action), data)
    assert response.status_code == 302 and response.url == reverse("actions:budget", args=[action.pk])
    submitted = make_action(status=S.SUBMITTED)
    assert login(world.a.coordinator).get(row_url(submitted), data, **HTMX).status_code == 403
    assert login(world.a.partner).get(row_url(submitted), data, **HTMX).status_code == 403


def test_added_and_removed_rows_are_saved(login, world, make_action):
    action = make_action(complete=False)
    client = login(world.a.partner)
    url = reverse("actions:budget", args=[action.pk])
    data = _budget_data(
        action,
        charges=[
            {"account": "64", "label": "Animateurs", "amount_planned": "1000"},
            {"account": "60", "label": "Livres", "amount_planned": "200"},  # added in place
            {"account": "62", "label": "Car", "amount_planned": "999", "DELETE": "on"},  # removed in place
        ],
    )
    client.post(url, data)
    assert sorted(action.budget_lines.values_list("label", "amount_planned")) == [
        ("Animateurs", Decimal("1000.00")),
        ("Livres", Decimal("200.00")),
    ]
    line = action.budget_lines.get(label="Livres")
    action.refresh_from_db()
    data = _budget_data(action, charges=[{"id": line.pk, "account": "60", "label": "Livres", "DELETE": "on"}])
    data["charges-INITIAL_FORMS"] = 1
    data["charges-0-amount_planned"] = "200"
    client.post(url, data)
    assert not BudgetLine.objects.filter(pk=line.pk).exists()


def test_server_side_totals_of_what_was_typed(login, world, make_action):
    action = make_action(complete=False)
    data = _budget_data(
        action,
        charges=[
            {"account": "64", "label": "Animateurs", "amount_planned": "1000,50"},
            {"account": "60", "label": "Livres", "amount_planned": "200"},
            {"account": "62", "label": "Car", "amount_planned": "999", "DELETE": "on"},
        ],
        produits=[{"account": "74", "label": "Subvention", "amount_planned": "300"}],  # no funder: invalid
    )
    response = login(world.a.partner).post(reverse("actions:budget", args=[action.pk]), data)
    assert response.status_code == 200
    assert response.context["typed_charges"] == Decimal("1200.50")
    assert response.context["typed_produits"] == Decimal("300")
    content = response.content.decode()
    assert 'data-budget-total="charges" aria-live="polite">1\u202f200,50\u00a0€' in content
