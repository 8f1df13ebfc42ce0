"""Every dashboard URL for every role: 200 for those it serves, 403 for another role,
404 for a cité or a département outside the scope passed in the querystring, the login
page for anonymous visitors."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

CITE = reverse("pilotage:dashboard_cite")
PREF_PAGES = [
    reverse("pilotage:dashboard_prefecture"),
    reverse("pilotage:dashboard_prefecture_csv"),
    reverse("pilotage:dashboard_prefecture_xlsx"),
]
NATIONAL_PAGES = [
    reverse("pilotage:dashboard_national"),
    reverse("pilotage:dashboard_national_csv"),
    reverse("pilotage:dashboard_national_xlsx"),
]
PARTNER = reverse("pilotage:dashboard_partner")
ALL = [CITE, *PREF_PAGES, *NATIONAL_PAGES, PARTNER]


def user_of(world, who):
    if who == "admin":
        return world.admin
    side, role = who.split(".")
    return getattr(getattr(world, side), role)


@pytest.mark.parametrize("url", [*ALL, reverse("home")])
def test_anonymous_goes_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [("a.coordinator", 200), ("a.pilot", 200), ("a.prefecture", 200), ("admin", 200), ("a.partner", 404),
     ("b.coordinator", 404), ("b.pilot", 404), ("b.prefecture", 404), ("b.partner", 404)],
)  # fmt: skip
def test_cite_dashboard_of_cite_a(login, world, who, status):
    assert login(user_of(world, who)).get(CITE, {"cite": world.a.cite.pk}).status_code == status


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_cite_dashboard_unknown_cite_is_404(login, world, value):
    assert login(world.a.coordinator).get(CITE, {"cite": value}).status_code == 404


def test_cite_dashboard_without_a_cite_in_scope_is_404(login, world):
    assert login(world.a.partner).get(CITE).status_code == 404
    assert login(UserFactory()).get(CITE).status_code == 404


@pytest.mark.parametrize("url", PREF_PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("a.prefecture", 200), ("admin", 200), ("a.coordinator", 403), ("a.pilot", 403), ("a.partner", 403)],
)
def test_prefecture_pages(login, world, url, who, status):
    assert login(user_of(world, who)).get(url).status_code == status


@pytest.mark.parametrize("url", PREF_PAGES)
def test_prefecture_pages_outside_the_departements_are_404(login, world, url):
    client = login(world.a.prefecture)
    assert client.get(url, {"departement": world.b.cite.departement}).status_code == 404
    assert client.get(url, {"departement": world.a.cite.departement}).status_code == 200
    assert login(world.admin).get(url, {"departement": "2A"}).status_code == 404  # no cité there


@pytest.mark.parametrize("url", NATIONAL_PAGES)
@pytest.mark.parametrize("who", ["a.coordinator", "a.pilot", "a.prefecture", "a.partner"])
def test_national_pages_are_for_admins_only(login, world, url, who):
    assert login(user_of(world, who)).get(url).status_code == 403
    assert login(world.admin).get(url).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [("a.partner", 200), ("b.partner", 200), ("a.coordinator", 403), ("a.pilot", 403), ("a.prefecture", 403),
     ("admin", 403)],
)  # fmt: skip
def test_partner_home(login, world, who, status):
    assert login(user_of(world, who)).get(PARTNER).status_code == status


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
