"""History pages without N+1 (issue 14): the envelope's and the line's pages, and the
admin's history views of envelopes and lines, run the same queries with 3 history rows as
with 15; the portal's pages show 20 entries a page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from financements.history import HISTORY_PAGE_SIZE
from financements.models import Envelope, FundingLine
from tests.factories import ConventionFactory
from tests.querycount import assert_same_query_count, count_queries

pytestmark = pytest.mark.django_db


def _saves(obj, field, label):
    """``grow(n)``: save ``obj`` until its history has ``n`` rows, each with a new value
    of ``field``; returns the labels the page must show."""
    labels = []

    def grow(n):
        while type(obj).history.filter(id=obj.pk).count() < n:
            value = f"{label} {len(labels) + 1}"
            setattr(obj, field, value)
            obj.save()
            labels.append(value)
        return labels

    return grow


def test_the_envelope_page_runs_as_many_queries_with_15_history_rows_as_with_3(login, money):
    url = reverse("financements:envelope_detail", args=[money.p147.pk])
    grow = _saves(Envelope.objects.get(pk=money.p147.pk), "legal_reference", "Arrêté")
    assert_same_query_count(login(money.world.a.pilot), url, grow)


def test_the_line_page_runs_as_many_queries_with_15_history_rows_as_with_3(login, money):
    url = reverse("financements:line_detail", args=[money.line1.pk])
    grow = _saves(FundingLine.objects.get(pk=money.line1.pk), "external_reference", "Dossier")
    assert_same_query_count(login(money.world.a.coordinator), url, grow)


@pytest.mark.parametrize(
    ("model", "fixture", "field"), [(Envelope, "p147", "legal_reference"), (FundingLine, "line2", "external_reference")]
)
def test_the_admin_history_runs_as_many_queries_with_15_rows_as_with_3(login, money, model, fixture, field):
    obj = model.objects.get(pk=getattr(money, fixture).pk)
    url = reverse(f"admin:financements_{model._meta.model_name}_history", args=[obj.pk])
    funder = obj.funder.name
    client = login(money.world.admin)

    def check(response, size):
        assert response.content.decode().count(funder) >= size  # each row names its object

    assert_same_query_count(client, url, _saves(obj, field, "Réf"), check=check)


def test_the_envelope_history_is_paginated(login, money):
    envelope = Envelope.objects.get(pk=money.p147.pk)
    for i in range(HISTORY_PAGE_SIZE + 5):
        envelope.amount = Decimal("10000.00") + i
        envelope.save()
    total = envelope.history.count()
    client = login(money.world.a.pilot)
    url = reverse("financements:envelope_detail", args=[envelope.pk])
    first_count, first = count_queries(client, url)
    last_count, last = count_queries(client, f"{url}?page=2")
    assert len(first.context["history"]) == HISTORY_PAGE_SIZE
    assert len(last.context["history"]) == total - HISTORY_PAGE_SIZE
    assert first_count == last_count
    assert "Page suivante" in first.content.decode() and "Page précédente" in last.content.decode()
    assert client.get(f"{url}?page=nimporte").status_code == 200


def test_the_convention_history_runs_as_many_queries_with_15_rows_as_with_3(login, world):
    convention = ConventionFactory(cite=world.a.cite)
    url = reverse("cites:convention_detail", args=[convention.pk])
    grow = _saves(convention, "title", "Convention")

    def check(response, size):
        assert len(response.context["history"]) == size

    assert_same_query_count(login(world.a.coordinator), url, lambda n: grow(n) and None, check=check)
