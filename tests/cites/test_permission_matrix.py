"""The permission matrix of the cité pages (``tests/permission_matrix.py``), on one object
of every kind of cité A (the ``objs`` fixture); each POST sends the valid form of
``POSTS`` (conftest), so an accepted POST redirects.

Partners never reach cité management pages: the ``staff_only`` decorator answers 403
before any lookup. Organisations: partners read and edit their own (``funder`` is another
organisation of cité A); a coordinator of any cité may create one. Nothing of cité A
leaks into a refusal, a refused POST changes nothing (``checks``).
"""

from dataclasses import replace

from django.urls import reverse

from accounts.models import Invitation, Membership
from cites.models import (
    Amendment,
    Cite,
    Commune,
    Convention,
    ConventionCommitment,
    LocalAxis,
    Organisation,
    PriorityArea,
    School,
    Signatory,
)
from tests.permission_matrix import Row, assert_complete, role_users, run_rows

from .conftest import PDF_BYTES, POSTS

NAMESPACE = "cites"


def funder_data(o):
    return {"name": "ANCT renommée", "kind": "etat", "siret": o.funder.siret, "is_funder": "on", "cites": [o.cite.pk]}


# fmt: off
ROWS = [
    #                                                       anon ptnr othp coor othc pilo pref othf admn
    Row("cite_list",                                  get="302  403  403  200  200  200  200  200  200"),
    Row("cite_create",                                get="302  403  403  403  403  403  403  403  200",
                                                     post="302  403  403  403  403  403  403  403  302"),
    Row("cite_detail", "cite",                        get="302  404  404  200  404  200  200  404  200",
                                                     post="302  405  405  405  405  405  405  405  405", data={}),
    Row("cite_update", "cite",                        get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("perimeter_update", "cite",                   get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("commune_create", "cite",                     get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("priority_area_create", "cite",               get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("school_create", "cite",                      get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("school_update", "cite school",               get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("axis_create", "cite",                        get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("axis_update", "cite axis",                   get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("members", "cite",                            get="302  404  404  200  404  200  200  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("convention_create", "cite",                  get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("organisation_list",                          get="302  200  200  200  200  200  200  200  200"),
    Row("organisation_create",                        get="302  403  403  200  200  403  403  403  200",
                                                     post="302  403  403  302  200  403  403  403  302"),
    Row("organisation_detail", "organisation",        get="302  200  404  200  404  200  200  404  200"),
    Row("organisation_update", "organisation",        get="302  200  404  200  404  403  403  404  200",
                                                     post="302  302  404  302  404  403  403  404  302"),
    # Members: everyone who sees the organisation reads them; its référents (none among
    # these roles) and the admin manage them (tests/accounts/test_referents.py).
    Row("organisation_members", "organisation",       get="302  200  404  200  404  200  200  404  200",
                                                     post="302  403  404  403  404  403  403  404  302",
        data={"email": "nouveau.membre@example.org", "full_name": "Nouveau Membre"}),
    Row("organisation_member_remove", lambda o: [o.organisation.pk, o.organisation.memberships.get().pk], data={},
                                                      get="302  405  405  405  405  405  405  405  405",
                                                     post="302  403  404  403  404  403  403  404  302"),
    Row("organisation_member_referent", lambda o: [o.organisation.pk, o.organisation.memberships.get().pk, "oui"],
        data={},                                      get="302  405  405  405  405  405  405  405  405",
                                                     post="302  403  404  403  404  403  403  404  302"),
    Row("organisation_detail", "funder",              get="302  404  404  200  404  200  200  404  200"),
    Row("organisation_update", "funder", data=funder_data,
                                                      get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("convention_list",                            get="302  403  403  200  200  200  200  200  200"),
    Row("convention_detail", "convention",            get="302  404  404  200  404  200  200  404  200"),
    Row("convention_update", "convention",            get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("convention_document", "convention",          get="302  404  404  200  404  200  200  404  200"),
    Row("commitment_create", "convention",            get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("commitment_update", "convention commitment", get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("signatory_create", "convention",             get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("amendment_create", "convention",             get="302  404  404  200  404  403  403  404  200",
                                                     post="302  404  404  302  404  403  403  404  302"),
    Row("amendment_document", "convention amendment", get="302  404  404  200  404  200  200  404  200"),
]
# fmt: on
ROWS = [replace(row, data=POSTS[row.name]) if row.post and row.data is None else row for row in ROWS]


SNAPSHOT_MODELS = [
    Cite, Cite.communes.through, Cite.priority_areas.through, Cite.schools.through, Commune, PriorityArea,
    School, LocalAxis, Organisation, Organisation.cites.through, Convention, ConventionCommitment, Signatory,
    Amendment, Invitation, Membership,
]  # fmt: skip


def snapshot():
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}


def checks(objs):
    """Nothing of cité A leaks into a refusal (403, 404); a refused POST changes nothing,
    an accepted one (302 to a page of the site) changes something, so its form is valid."""
    secrets = (objs.cite.name, objs.convention.title, "Jean Moulin", PDF_BYTES[:8].decode())
    before = snapshot()

    def check(role, method, response, body):
        status = response.status_code
        problems = []
        if status in (403, 404):
            problems += [f"leaks {secret!r}" for secret in secrets if secret in body.decode(errors="replace")]
        if method == "post":
            accepted = status == 302 and role != "anonymous"
            if accepted == (snapshot() == before):
                problems.append("an accepted POST changes something, a refused one nothing")
            if status == 302 and response.url.startswith(reverse("accounts:login")) != (role == "anonymous"):
                problems.append(f"redirected to {response.url}")
            if status == 200 and "Sélectionnez un choix valide" not in body.decode():
                problems.append("a POST answered 200 refuses a choice out of reach")
        return problems

    return check


def test_every_url_name_has_a_row():
    assert_complete(NAMESPACE, ROWS)


def test_permission_matrix(world, objs):
    run_rows(NAMESPACE, ROWS, objs, role_users(world), check=checks(objs))
