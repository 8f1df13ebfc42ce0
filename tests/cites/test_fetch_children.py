"""The parts of a cité and of its conventions (schools, axes, commitments, avenants) come
through the one fetch entry point: a part of cité B under a cité A URL answers 404, to the
coordination of A as to everyone else."""

from django.core.files.base import ContentFile
from django.urls import reverse

from cites.models import Amendment
from tests.cites.conftest import PDF_BYTES
from tests.factories import ConventionCommitmentFactory, ConventionFactory, LocalAxisFactory, SchoolFactory, valid_uai


def test_a_part_of_another_cite_is_a_404_under_an_own_url(login, world, objs):
    school_b = SchoolFactory(uai=valid_uai(31, "940"), name="École de B")
    world.b.cite.schools.add(school_b)
    axis_b = LocalAxisFactory(cite=world.b.cite, code="B1", title="Axe de B")
    convention_b = ConventionFactory(cite=world.b.cite, title="Convention de B")
    commitment_b = ConventionCommitmentFactory(convention=convention_b, funder=objs.funder)
    amendment_b = Amendment(convention=convention_b, number=1, subject="Avenant de B")
    amendment_b.document.save("avenant-b.pdf", ContentFile(PDF_BYTES))
    client = login(world.a.coordinator)
    a, convention = objs.cite.pk, objs.convention.pk
    for url in (
        reverse("cites:school_update", args=[a, school_b.pk]),
        reverse("cites:axis_update", args=[a, axis_b.pk]),
        reverse("cites:commitment_update", args=[convention, commitment_b.pk]),
        reverse("cites:amendment_document", args=[convention, amendment_b.pk]),
    ):
        assert client.get(url).status_code == 404, url
    # The same URLs with cité A's own parts answer.
    for url in (
        reverse("cites:school_update", args=[a, objs.school.pk]),
        reverse("cites:axis_update", args=[a, objs.axis.pk]),
        reverse("cites:commitment_update", args=[convention, objs.commitment.pk]),
        reverse("cites:amendment_document", args=[convention, objs.amendment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:  # the avenant: read to its end, which closes the file
            assert b"".join(response.streaming_content) == PDF_BYTES


def test_read_only_roles_get_403_on_the_parts_outsiders_get_404(login, world, objs):
    url = reverse("cites:commitment_update", args=[objs.convention.pk, objs.commitment.pk])
    response = login(world.a.pilot).get(url)
    assert response.status_code == 403
    assert "Seule la coordination de la cité modifie ses conventions." in response.content.decode()
    assert login(world.b.coordinator).get(url).status_code == 404
    school_url = reverse("cites:school_update", args=[objs.cite.pk, objs.school.pk])
    assert login(world.a.prefecture).get(school_url).status_code == 403
    assert login(world.b.coordinator).get(school_url).status_code == 404
