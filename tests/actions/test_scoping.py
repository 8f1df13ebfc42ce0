"""What the refusals of the actions pages leave behind: a refused POST changes nothing,
an accepted one does; drafts stay private. The status of every URL for every role is
the permission matrix's (``test_permission_matrix.py``)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action

pytestmark = pytest.mark.django_db
S = Action.Status

ROLES = ["a.partner", "a.coordinator", "a.pilot", "a.prefecture", "admin",
         "b.partner", "b.coordinator", "b.pilot", "b.prefecture"]  # fmt: skip
OUTSIDERS = {"b.partner": 404, "b.coordinator": 404, "b.pilot": 404, "b.prefecture": 404}


def _user(world, who):
    if who == "admin":
        return world.admin
    side, role = who.split(".")
    return getattr(getattr(world, side), role)


# POSTs on a proposal in review; 302 means the operation was accepted.
POST_EXPECTED = {
    ("transition", "reject"): {"a.partner": 403, "a.coordinator": 302, "a.pilot": 403, "a.prefecture": 403,
                                  "admin": 302},
    ("transition", "withdraw"): {"a.partner": 302, "a.coordinator": 403, "a.pilot": 403, "a.prefecture": 403,
                                 "admin": 403},
    ("opinion", None): {"a.partner": 403, "a.coordinator": 302, "a.pilot": 302, "a.prefecture": 302, "admin": 302},
    ("note_create", None): {"a.partner": 403, "a.coordinator": 302, "a.pilot": 302, "a.prefecture": 302,
                            "admin": 302},
    ("message_create", None): {"a.partner": 302, "a.coordinator": 302, "a.pilot": 403, "a.prefecture": 403,
                               "admin": 302},
}  # fmt: skip
POST_DATA = {"avis-verdict": "favourable", "note-text": "Note", "message-text": "Message", "comment": "Motif"}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("url_name", "transition"), sorted(POST_EXPECTED, key=str))
def test_post_operations(login, world, make_action, url_name, transition, who):
    action = make_action(status=S.IN_REVIEW)
    args = [action.pk, transition] if transition else [action.pk]
    expected = {**POST_EXPECTED[(url_name, transition)], **OUTSIDERS}[who]
    response = login(_user(world, who)).post(reverse(f"actions:{url_name}", args=args), POST_DATA)
    assert response.status_code == expected
    if url_name == "transition":
        action.refresh_from_db()
        assert (action.status == S.IN_REVIEW) == (expected != 302)


@pytest.mark.parametrize("who", ["a.coordinator", "a.pilot", "a.prefecture", "b.partner"])
def test_a_draft_is_private_to_its_porteur(login, world, make_action, who):
    draft = make_action()
    assert login(_user(world, who)).get(draft.get_absolute_url()).status_code == 404
    assert login(world.a.partner).get(draft.get_absolute_url()).status_code == 200


# The bilan of an action in progress that ends in two months.
BILAN_EXPECTED = {
    ("get", "bilan"): {"a.partner": 200, "a.coordinator": 403, "a.pilot": 403, "a.prefecture": 403, "admin": 403},
    ("post", "allow_early_bilan"): {"a.partner": 403, "a.coordinator": 302, "a.pilot": 403, "a.prefecture": 403,
                                     "admin": 302},
}  # fmt: skip


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("method", "url_name"), sorted(BILAN_EXPECTED))
def test_bilan_pages(login, world, make_action, method, url_name, who):
    today = timezone.localdate()
    action = make_action(
        status=S.IN_PROGRESS, start_date=today - timedelta(days=30), end_date=today + timedelta(days=60)
    )
    expected = {**BILAN_EXPECTED[(method, url_name)], **OUTSIDERS}[who]
    client = login(_user(world, who))
    response = getattr(client, method)(reverse(f"actions:{url_name}", args=[action.pk]))
    assert response.status_code == expected
    action.refresh_from_db()
    assert action.early_bilan_allowed == (url_name == "allow_early_bilan" and expected == 302)
