"""The proposal's table formsets (budget, indicators, bilan) drawn by crispy-forms: every
input of a cell has a label naming its row (for screen readers, the column header shows
it), errors sit in the cell in French, and what was typed is kept on error."""

import re

import pytest
from django.urls import reverse

from actions.models import Action, AgeBand

from .test_bilan import BAND_11_15, bilan_data
from .test_views_proposals import _budget_data

pytestmark = pytest.mark.django_db
S = Action.Status


def label_of(content, field_id):
    """The text of the <label for=field_id> (whitespace and the required marker dropped)."""
    match = re.search(rf'<label for="{re.escape(field_id)}"[^>]*>(.*?)</label>', content, re.DOTALL)
    assert match, f"no label for {field_id}"
    text = re.sub(r"<span[^>]*aria-hidden[^>]*>.*?</span>", "", match.group(1), flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def cell_of(content, field_id):
    """The <td> holding the input field_id."""
    for cell in re.findall(r"<td[^>]*>.*?</td>", content, re.DOTALL):
        if f'id="{field_id}"' in cell:
            return cell
    raise AssertionError(f"no cell holds {field_id}")


def test_budget_cells_are_labelled_by_row(login, world, make_action):
    action = make_action(complete=False)
    content = login(world.a.partner).get(reverse("actions:budget", args=[action.pk])).content.decode()
    assert label_of(content, "id_charges-0-account") == "Compte, ligne 1"
    assert label_of(content, "id_produits-0-funder") == "Financeur sollicité, ligne 1"
    assert label_of(content, "id_produits-0-amount_planned") == "Montant prévu, ligne 1"
    assert 'aria-label="Supprimer la ligne 1" id="id_charges-0-DELETE"' in content
    assert 'class="portail-cell"' in cell_of(content, "id_charges-0-label")
    assert re.search(r'<input type="hidden" name="version" value="\d+"', content)


def test_an_added_budget_row_is_labelled_with_its_number(login, world, make_action):
    action = make_action(complete=False)
    url = reverse("actions:budget_row", args=[action.pk, "charges"])
    content = login(world.a.partner).get(url, {"charges-TOTAL_FORMS": "4"}, HTTP_HX_REQUEST="true").content.decode()
    assert label_of(content, "id_charges-4-label") == "Libellé, ligne 5"


def test_a_budget_error_stays_in_its_cell_with_what_was_typed(login, world, make_action):
    action = make_action(complete=False)
    data = _budget_data(action, charges=[{"account": "64", "label": "Animateurs", "amount_planned": "-5"}])
    response = login(world.a.partner).post(reverse("actions:budget", args=[action.pk]), data)
    assert response.status_code == 200
    content = response.content.decode()
    cell = cell_of(content, "id_charges-0-amount_planned")
    assert 'value="-5"' in cell and "fr-input-group--error" in cell
    assert "supérieure ou égale à 0" in cell
    assert 'value="Animateurs"' in cell_of(content, "id_charges-0-label")


def test_indicator_cells_are_labelled_by_row(login, world, make_action):
    action = make_action(complete=False)
    content = login(world.a.partner).get(reverse("actions:indicators", args=[action.pk])).content.decode()
    assert label_of(content, "id_indicateurs-0-label") == "Indicateur, ligne 1"
    assert label_of(content, "id_indicateurs-1-target") == "Cible, ligne 2"


def test_bilan_cells_are_labelled_by_band_indicator_and_line(login, world, make_action):
    action = make_action(status=S.IN_PROGRESS)
    indicator = action.indicators.get()
    content = login(world.a.partner).get(reverse("actions:bilan", args=[action.pk])).content.decode()
    band = AgeBand.choices[BAND_11_15][1]
    assert label_of(content, f"id_beneficiaires-tranche{BAND_11_15}_qpv") == f"{band} : dont habitant un QPV"
    assert f'<th scope="row">{band}</th>' in content
    assert label_of(content, "id_indicateurs-0-result") == f"Résultat obtenu, {indicator.label}"
    line = action.budget_lines.order_by("side", "account", "id").first()
    assert label_of(content, "id_budget-0-amount_actual") == f"Montant réalisé, {line.label}"


def test_bilan_errors_and_typed_values_stay_in_their_cells(login, world, make_action):
    action = make_action(status=S.IN_PROGRESS)
    data = bilan_data(action, charge="abc", qpv="99")
    content = login(world.a.partner).post(reverse("actions:bilan", args=[action.pk]), data).content.decode()
    qpv = cell_of(content, f"id_beneficiaires-tranche{BAND_11_15}_qpv")
    assert 'value="99"' in qpv and "ne peuvent dépasser le total filles + garçons" in qpv
    amount = cell_of(content, "id_budget-0-amount_actual")
    assert 'value="abc"' in amount and "Saisissez un nombre." in amount
