"""Reviewers (rapporteurs): the coordination names pilots of the cité; shown on the list."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from actions.models import Action
from tests.factories import UserFactory
from tests.querycount import assert_same_query_count

pytestmark = pytest.mark.django_db
S = Action.Status


def url(action):
    return reverse("actions:reviewers", args=[action.pk])


def test_the_coordinator_assigns_pilots_of_the_cite(login, world, make_action):
    action = make_action(status=S.SUBMITTED)
    second_pilot = UserFactory(full_name="Zoé Pilote")
    Membership.objects.create(user=second_pilot, role=Role.PILOT, cite=world.a.cite)
    client = login(world.a.coordinator)
    content = client.get(action.get_absolute_url()).content.decode()
    assert "Désigner les rapporteurs" in content and world.a.pilot.email in content
    assert world.b.pilot.email not in content  # only the cité's pilots are offered

    response = client.post(url(action), {"rapporteurs-reviewers": [world.a.pilot.pk, second_pilot.pk]})
    assert response.status_code == 302
    assert set(action.reviewers.all()) == {world.a.pilot, second_pilot}

    listing = client.get(reverse("actions:list")).content.decode()
    assert "Rapporteurs" in listing and "Zoé Pilote" in listing
    mine = login(world.a.pilot).get(reverse("actions:list"), {"rapporteur": "moi"}).context["page_obj"]
    assert list(mine) == [action]
    assert (
        list(login(world.a.coordinator).get(reverse("actions:list"), {"rapporteur": "moi"}).context["page_obj"]) == []
    )

    client.post(url(action), {})
    assert not action.reviewers.exists()


def test_a_pilot_of_another_cite_or_a_non_pilot_is_refused(login, world, make_action):
    action = make_action(status=S.SUBMITTED)
    client = login(world.a.coordinator)
    for user in (world.b.pilot, world.a.partner, world.a.prefecture):
        response = client.post(url(action), {"rapporteurs-reviewers": [user.pk]}, follow=True)
        assert "Choisissez les rapporteurs parmi les membres du pilotage" in response.content.decode()
    assert not action.reviewers.exists()


def test_permissions(login, world, make_action):
    action = make_action(status=S.SUBMITTED)
    data = {"rapporteurs-reviewers": [world.a.pilot.pk]}
    for user in (world.a.pilot, world.a.prefecture, world.a.partner):
        assert login(user).post(url(action), data).status_code == 403
    for user in (world.b.coordinator, world.b.partner):
        assert login(user).post(url(action), data).status_code == 404
    assert login(world.a.coordinator).get(url(action)).status_code == 405
    assert not action.reviewers.exists()
    # the partner never sees who instructs
    action.reviewers.add(world.a.pilot)
    content = login(world.a.partner).get(action.get_absolute_url()).content.decode()
    assert "Rapporteurs" not in content
    assert "Rapporteurs" not in login(world.a.partner).get(reverse("actions:list")).content.decode()


def test_list_query_count_stays_flat_with_reviewers(login, world, make_action):
    def grow(n):
        for _ in range(n - Action.objects.count()):
            make_action(status=S.SUBMITTED).reviewers.add(world.a.pilot)

    assert_same_query_count(login(world.a.coordinator), reverse("actions:list"), grow, sizes=(5, 20))
