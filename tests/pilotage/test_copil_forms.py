"""The COPIL's agenda and decision screens drawn by crispy-forms: labelled fields, each
error next to its field in French, what was typed kept."""

import re
from html import unescape

import pytest
from django.urls import reverse

from .test_decisions import copil, form_data, subsidy  # noqa: F401 (copil is a fixture)

pytestmark = pytest.mark.django_db


def field_block(content, field_id):
    """The django-dsfr group of a field: its label, input and errors."""
    match = re.search(
        rf'<div class="fr-(input|select)-group[^"]*">\s*<label for="{field_id}".*?</div>\s*</div>', content, re.S
    )
    assert match, f"no field {field_id}"
    return unescape(match.group(0))


def test_the_agenda_lists_candidates_as_labelled_checkboxes(login, world, copil, make_proposal):  # noqa: F811
    meeting, _, _ = copil
    third = make_proposal(anct="1000.00", title="Troisième")
    content = unescape(
        login(world.a.coordinator).get(reverse("pilotage:meeting_agenda", args=[meeting.pk])).content.decode()
    )
    assert re.search(r"<legend[^>]*>\s*Propositions en instruction à inscrire\s*</legend>", content)
    assert f'name="actions" value="{third.pk}"' in content
    assert re.search(rf"{third.reference} – Troisième \(Association A\)\s*</label>", content)
    assert re.search(r'<label for="id_title" class="fr-label">\s*Autre point \(facultatif\)', content)


def test_a_too_long_free_item_is_refused_and_kept(login, world, copil, make_proposal):  # noqa: F811
    meeting, _, _ = copil
    third = make_proposal(anct="1000.00", title="Troisième")
    url = reverse("pilotage:meeting_agenda", args=[meeting.pk])
    response = login(world.a.coordinator).post(url, {"actions": [third.pk], "title": "x" * 251})
    assert response.status_code == 200
    block = field_block(response.content.decode(), "id_title")
    assert "au plus 250 caractères" in block and 'value="' + "x" * 251 + '"' in block
    assert f'value="{third.pk}" dsfr="dsfr" id="id_actions_0" checked' in response.content.decode()
    assert meeting.agenda_items.count() == 2


def test_decision_errors_sit_next_to_their_field_with_what_was_typed(login, world, copil, funders):  # noqa: F811
    meeting, first, second = copil
    anct = subsidy(first, funders["anct"])
    data = form_data(meeting, {first.pk: ("programmed", "", {anct.pk: "dix mille"}), second.pk: ("rejected", "", {})})
    response = login(world.a.coordinator).post(reverse("pilotage:meeting_decisions", args=[meeting.pk]), data)
    assert response.status_code == 422
    content = response.content.decode()
    first_item = meeting.agenda_items.get(action=first)
    second_item = meeting.agenda_items.get(action=second)
    amount = field_block(content, f"id_point-{first_item.pk}-amount-{anct.pk}")
    assert (
        "Montant décidé – " in amount
        and 'value="dix mille"' in amount
        and "« dix mille » n'est pas un montant." in amount
    )
    comment = field_block(content, f"id_point-{second_item.pk}-comment")
    assert "Motivez la décision de ne pas retenir l'action (commentaire)." in comment
    assert f'<fieldset class="fr-fieldset fr-mb-3w fr-fieldset--error" id="point-{second_item.pk}"' in content
    assert '<option value="rejected" selected>' in field_block(content, f"id_point-{second_item.pk}-decision")


def test_a_pending_item_stays_pending(login, world, copil, funders):  # noqa: F811
    meeting, first, second = copil
    data = form_data(meeting, {first.pk: ("", "", {}), second.pk: ("deferred", "", {})})
    data[f"point-{meeting.agenda_items.get(action=second).pk}-decision"] = "teleported"
    content = unescape(
        login(world.a.coordinator).post(reverse("pilotage:meeting_decisions", args=[meeting.pk]), data).content.decode()
    )
    assert content.count("Choisissez une décision.") == 1  # « À décider » is accepted, a made-up value is not
