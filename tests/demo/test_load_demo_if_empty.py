"""``load_demo --if-empty`` (what ``make run`` calls): loads into an empty database only,
so a restart of the portal keeps what a person edited."""

from io import StringIO

import pytest
from django.core.management import call_command

from actions.models import Action
from cites.models import Cite

pytestmark = pytest.mark.django_db


def load_demo(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_if_empty_loads_once_then_keeps_edits():
    first = load_demo("--if-empty")
    assert "Données de démonstration chargées" in first
    assert Cite.objects.filter(slug="valenton").exists()
    Cite.objects.filter(slug="valenton").update(name="Renommée par une personne")
    action = Action.objects.filter(cite__slug="ales-agglomeration").order_by("pk").first()
    Action.objects.filter(pk=action.pk).update(title="Titre modifié")
    rows = {model: model.objects.count() for model in (Cite, Action)}

    second = load_demo("--if-empty")

    assert "conservées" in second and "Données de démonstration chargées" not in second
    assert Cite.objects.get(slug="valenton").name == "Renommée par une personne"
    assert Action.objects.get(pk=action.pk).title == "Titre modifié"
    assert {model: model.objects.count() for model in (Cite, Action)} == rows
