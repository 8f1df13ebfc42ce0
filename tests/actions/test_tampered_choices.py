"""A tampered multiple choice (a key no database integer holds) gets the form's French
error, never a 500 (SQLite's query raised OverflowError on it)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Call

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


def test_a_call_with_a_tampered_axis_is_refused_in_french(login, world):
    opens = timezone.localtime() + datetime.timedelta(days=1)
    response = login(world.a.coordinator).post(
        reverse("actions:call_create"),
        {
            "cite": world.a.cite.pk,
            "year": 2027,
            "title": "Appel à projets 2027",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
            "axes": [HUGE],
        },
    )
    assert response.status_code == 200
    assert f"Sélectionnez un choix valide. {HUGE} n’en fait pas partie." in response.content.decode()
    assert "Appel à projets 2027" in response.content.decode()  # what was typed is kept
    assert not Call.objects.exists()


def test_tampered_reviewers_are_refused_not_a_server_error(login, world, make_action):
    action = make_action(status=Action.Status.SUBMITTED)
    client = login(world.a.coordinator)
    response = client.post(
        reverse("actions:reviewers", args=[action.pk]), {"rapporteurs-reviewers": [HUGE]}, follow=True
    )
    assert response.status_code == 200
    assert not action.reviewers.exists()
    assert "Choisissez les rapporteurs parmi les membres du pilotage de la cité." in response.content.decode()
