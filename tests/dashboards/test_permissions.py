"""The dashboards beyond the permission matrix (``tests/pilotage/test_permission_matrix.py``
gives every dashboard URL's status for every role): 404 for a cité or a département
outside the scope passed in the querystring, what each role is offered."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

CITE = reverse("pilotage:dashboard_cite")
PREF_PAGES = [
    reverse("pilotage:dashboard_prefecture"),
    reverse("pilotage:dashboard_prefecture_csv"),
    reverse("pilotage:dashboard_prefecture_xlsx"),
]
PARTNER = reverse("pilotage:dashboard_partner")


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_cite_dashboard_unknown_cite_is_404(login, world, value):
    assert login(world.a.coordinator).get(CITE, {"cite": value}).status_code == 404


def test_cite_dashboard_without_a_cite_in_scope_is_404(login, world):
    assert login(world.a.partner).get(CITE).status_code == 404
    assert login(UserFactory()).get(CITE).status_code == 404


@pytest.mark.parametrize("url", PREF_PAGES)
def test_prefecture_pages_outside_the_departements_are_404(login, world, url):
    client = login(world.a.prefecture)
    assert client.get(url, {"departement": world.b.cite.departement}).status_code == 404
    assert client.get(url, {"departement": world.a.cite.departement}).status_code == 200
    assert login(world.admin).get(url, {"departement": "2A"}).status_code == 404  # no cité there


def test_partner_never_sees_another_organisations_actions(login, world, populate):
    populate("a", 10)
    content = login(world.b.partner).get(PARTNER).content.decode()
    assert world.a.cite.name not in content and "Action " not in content


def test_user_without_role_gets_a_plain_home(login, world):
    response = login(UserFactory(full_name="Sans Rôle")).get(reverse("home"))
    assert response.status_code == 200 and "aucun rôle" in response.content.decode()


def test_navigation_offers_the_dashboards_by_role(login, world):
    pref = login(world.a.prefecture).get(reverse("pilotage:dashboard_prefecture")).content.decode()
    assert reverse("pilotage:dashboard_prefecture") in pref and reverse("pilotage:dashboard_national") not in pref
    admin = login(world.admin).get(reverse("pilotage:dashboard_national")).content.decode()
    assert reverse("pilotage:dashboard_national") in admin
    coordinator = login(world.a.coordinator).get(CITE).content.decode()
    assert reverse("pilotage:dashboard_prefecture") not in coordinator
