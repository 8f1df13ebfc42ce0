"""The dashboards' switcher, a GET form drawn by crispy-forms: labelled selects for the
year and the cité or département, the chosen values selected, back to the same page."""

import re

import pytest
from django.urls import reverse

from accounts.models import Membership, Role

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def switcher(content):
    match = re.search(r'<form[^>]*class="portail-no-print fr-mb-4w"[^>]*>.*?</form>', content, re.DOTALL)
    assert match, "no switcher"
    return match.group(0)


def test_a_coordinator_of_one_cite_switches_the_year_and_keeps_the_cite(login, world):
    url = reverse("pilotage:dashboard_cite")
    form = switcher(login(world.a.coordinator).get(url, {"annee": YEAR - 1}).content.decode())
    assert f'<form action="{url}" class="portail-no-print fr-mb-4w" method="get"' in form
    assert re.search(r'<label for="choix-annee" class="fr-label">\s*Année', form)
    assert f'<option value="{YEAR - 1}" selected>' in form
    assert f'<input type="hidden" name="cite" value="{world.a.cite.pk}" id="choix-cite">' in form
    assert '<button class="fr-btn" type="submit">Afficher</button>' in form


def test_a_member_of_two_cites_chooses_the_cite(login, world):
    Membership.objects.create(user=world.a.coordinator, role=Role.PILOT, cite=world.b.cite)
    content = (
        login(world.a.coordinator).get(reverse("pilotage:dashboard_cite"), {"cite": world.b.cite.pk}).content.decode()
    )
    form = switcher(content)
    assert re.search(r'<label for="choix-cite" class="fr-label">\s*Cité éducative', form)
    assert f'<option value="{world.b.cite.pk}" selected>{world.b.cite.name}</option>' in form


def test_the_prefecture_chooses_among_its_departements(login, world):
    form = switcher(login(world.a.prefecture).get(reverse("pilotage:dashboard_prefecture")).content.decode())
    code = world.a.cite.departement
    assert re.search(r'<label for="choix-departement" class="fr-label">\s*Département', form)
    assert '<option value="" selected>Tous vos départements</option>' in form
    assert f'<option value="{code}">{code} – ' in form
    assert 'name="cite"' not in form


def test_the_national_view_switches_the_year_only(login, world):
    Membership.objects.filter(user=world.a.coordinator).delete()
    world.a.coordinator.is_superuser = True
    world.a.coordinator.save()
    form = switcher(login(world.a.coordinator).get(reverse("pilotage:dashboard_national")).content.decode())
    assert 'name="annee"' in form and 'name="cite"' not in form and 'name="departement"' not in form
