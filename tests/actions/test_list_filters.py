"""The proposals list's filters: a django-filter FilterSet drawn by crispy-forms (labelled
fields, the chosen values kept, an invalid value flagged in French and ignored)."""

import re
from html import unescape

import pytest
from django.urls import reverse

from actions.models import Action

pytestmark = pytest.mark.django_db
S = Action.Status
URL = reverse("actions:list")


def test_the_filters_are_labelled_and_keep_the_chosen_values(login, world, make_action):
    action = make_action(status=S.SUBMITTED)
    query = {"statut": "submitted", "appel": action.call_id, "tri": "titre", "rapporteur": "moi"}
    content = unescape(login(world.a.coordinator).get(URL, query).content.decode())
    form = re.search(r'<form method="get"[^>]*role="search" aria-label="Filtrer les actions".*?</form>', content, re.S)
    form = form.group(0)
    for field, label in (("statut", "Statut"), ("appel", "Appel à projets"), ("tri", "Trier par")):
        assert re.search(rf'<label for="id_{field}" class="fr-label">\s*{label}', form), field
    assert '<option value="submitted" selected>' in form
    assert f'<option value="{action.call_id}" selected>' in form
    assert '<option value="titre" selected>' in form
    assert re.search(r'<input type="checkbox" name="rapporteur" value="moi"[^>]*checked', form)
    assert "Réinitialiser" in form


def test_an_invalid_status_is_flagged_and_ignored(login, world, make_action):
    action = make_action(status=S.SUBMITTED)
    response = login(world.a.coordinator).get(URL, {"statut": "nimporte"})
    assert list(response.context["page_obj"]) == [action]
    content = unescape(response.content.decode())
    assert "Certains filtres sont invalides" in content and "Sélectionnez un choix valide" in content


def test_without_a_cite_the_per_cite_filters_stay_hidden_in_the_url(login, world, make_action):
    in_a = make_action(status=S.SUBMITTED)
    make_action(status=S.SUBMITTED, side="b")
    response = login(world.admin).get(URL, {"appel": in_a.call_id})
    assert list(response.context["page_obj"]) == [in_a]
    content = response.content.decode()
    assert f'<input type="hidden" name="appel" value="{in_a.call_id}"' in content
    assert "Choisissez une cité pour filtrer par appel à projets" in unescape(content)


def test_a_partner_has_no_porteur_nor_reviewer_filter(login, world, make_action):
    make_action()
    content = login(world.a.partner).get(URL).content.decode()
    assert 'name="statut"' in content and 'name="porteur"' not in content and 'name="rapporteur"' not in content
