"""The cité lists (cités, organisations, conventions) are filtered, sorted and paginated
with the filters in the URL; the filters' choices stay in the user's scope; an invalid
value is ignored with a French message; the query count does not grow with the rows."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from cites.models import Cite, Convention, Organisation
from tests.factories import (
    CiteFactory,
    CommuneFactory,
    ConventionCommitmentFactory,
    ConventionFactory,
    OrganisationFactory,
    SchoolFactory,
)
from tests.querycount import assert_same_query_count, one_by_one

INVALID_CHOICE = "Sélectionnez un choix valide"


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def select_options(content, name):
    """The (value, label) options of the ``<select name=…>`` of the page."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', content, re.S)
    assert match, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1))


def order_of(content, labels):
    """The labels sorted by where they appear in the page."""
    return sorted(labels, key=content.index)


def th_of(content, label):
    """The opening ``<th …>`` tag of the column whose link reads ``label``."""
    match = re.search(rf'(<th scope="col"[^>]*>)\s*<a [^>]*href="([^"]*)"[^>]*>{re.escape(label)}<', content)
    assert match, f"no sortable column {label}"
    return match.group(1), match.group(2)


# --- Cités -------------------------------------------------------------------------------
@pytest.fixture
def gard_cites(world):
    """Cité A (Gard) plus two more cités of the Gard with different perimeters."""
    big = CiteFactory(name="Cité Nîmes Pissevin", departement="30", label_year=2019)
    small = CiteFactory(name="Cité Beaucaire", departement="30", status=Cite.Status.ENDED)
    for i in range(3):
        big.communes.add(CommuneFactory(insee_code=f"30{300 + i}"))
    return big, small


def test_cite_list_filter_and_sort(login, world, gard_cites):
    big, small = gard_cites
    client = login(world.a.prefecture)
    url = reverse("cites:cite_list")
    content = get(client, url)
    assert all(c.name in content for c in (world.a.cite, big, small))
    assert world.b.cite.name not in content

    content = get(client, url, statut=Cite.Status.ENDED)
    assert small.name in content and big.name not in content and world.a.cite.name not in content
    content = get(client, url, vague="2019")
    assert big.name in content and small.name not in content
    content = get(client, url, q="pissevin")
    assert big.name in content and small.name not in content

    names = [big.name, small.name, world.a.cite.name]
    assert order_of(get(client, url, tri="nom"), names) == sorted(names)
    assert order_of(get(client, url, tri="-nom"), names) == sorted(names, reverse=True)
    assert order_of(get(client, url, tri="-communes"), names)[0] == big.name


def test_cite_list_choices_stay_in_scope(login, world, gard_cites):
    CiteFactory(name="Cité du Rhône", departement="69", label_year=2022)
    content = get(login(world.a.prefecture), reverse("cites:cite_list"))
    assert [value for value, _ in select_options(content, "departement")] == ["", "30"]
    assert [value for value, _ in select_options(content, "vague")] == ["", "2025", "2019"]
    # The admin reads every département.
    content = get(login(world.admin), reverse("cites:cite_list"))
    assert {"30", "69", "94"} <= {value for value, _ in select_options(content, "departement")}


def test_cite_list_invalid_values_are_ignored(login, world, gard_cites):
    client = login(world.a.prefecture)
    content = get(client, reverse("cites:cite_list"), departement="94", statut="nimporte", tri="mot-de-passe", page="x")
    assert INVALID_CHOICE in content
    assert "Certains filtres sont invalides" in content
    assert all(c.name in content for c in (world.a.cite, *gard_cites)), "invalid filters are ignored"
    assert world.b.cite.name not in content, "an out-of-scope département never widens the list"


def test_sortable_headers_keep_the_filters(login, world, gard_cites):
    content = get(login(world.a.prefecture), reverse("cites:cite_list"), statut="labelled", tri="nom", page="1")
    th, href = th_of(content, "Cité")
    assert 'aria-sort="ascending"' in th
    assert href == "?statut=labelled&tri=-nom", "toggles the order, keeps the filter, back to page 1"
    th, href = th_of(content, "Communes")
    assert "aria-sort" not in th and href == "?statut=labelled&tri=communes"
    content = get(login(world.a.prefecture), reverse("cites:cite_list"), tri="-nom")
    assert 'aria-sort="descending"' in th_of(content, "Cité")[0]


def test_pagination_keeps_the_filters(login, world):
    for i in range(30):
        CiteFactory(name=f"Cité paginée {i:02d}", departement="30")
    content = get(login(world.a.prefecture), reverse("cites:cite_list"), q="paginée", tri="-nom")
    assert "Cité paginée 29" in content and "Cité paginée 04" not in content
    assert 'href="?q=pagin%C3%A9e&tri=-nom&page=2"' in content
    content = get(login(world.a.prefecture), reverse("cites:cite_list"), q="paginée", tri="-nom", page="2")
    assert "Cité paginée 04" in content and "Cité paginée 29" not in content


def test_cite_list_queries_flat_with_filters(login, world):
    def build(i):
        cite = CiteFactory(name=f"Cité filtrée {i:02d}", departement="30")
        commune = CommuneFactory(insee_code=f"30{400 + i}")
        cite.communes.add(commune)
        cite.schools.add(SchoolFactory(commune=commune))
        return cite.name

    url = reverse("cites:cite_list") + "?q=filtr%C3%A9e&departement=30&statut=labelled&tri=-communes"
    assert_same_query_count(login(world.a.prefecture), url, one_by_one(build))


# --- Organisations -----------------------------------------------------------------------
@pytest.fixture
def orgs(world):
    funder = OrganisationFactory(
        name="Caisse d'allocations familiales", kind=Organisation.Kind.ORGANISME_SOCIAL, is_funder=True, city="Nîmes"
    )
    funder.cites.add(world.a.cite)
    town = OrganisationFactory(name="Ville d'Alès", kind=Organisation.Kind.COLLECTIVITE, city="Alès")
    town.cites.add(world.a.cite)
    return funder, town


def test_organisation_list_filter_and_sort(login, world, orgs):
    funder, town = orgs
    client = login(world.a.coordinator)
    url = reverse("cites:organisation_list")
    content = get(client, url)
    assert all(o.name in content for o in (funder, town, world.a.organisation))
    assert world.b.organisation.name not in content

    content = get(client, url, financeurs="1")
    assert funder.name in content and town.name not in content
    content = get(client, url, financeurs="0", type=Organisation.Kind.COLLECTIVITE)
    assert town.name in content and funder.name not in content and world.a.organisation.name not in content
    content = get(client, url, q=funder.siret)
    assert funder.name in content and town.name not in content
    content = get(client, url, cite=str(world.a.cite.pk))
    assert funder.name in content

    names = [funder.name, town.name, world.a.organisation.name]
    assert order_of(get(client, url, tri="ville"), [funder.name, town.name]) == [town.name, funder.name]
    assert order_of(get(client, url, tri="-nom"), names) == sorted(names, reverse=True)


def test_organisation_list_choices_stay_in_scope(login, world, orgs):
    content = get(login(world.a.coordinator), reverse("cites:organisation_list"))
    assert select_options(content, "cite") == [("", "Toutes les cités"), (str(world.a.cite.pk), world.a.cite.name)]
    content = get(login(world.b.pilot), reverse("cites:organisation_list"))
    assert [v for v, _ in select_options(content, "cite")] == ["", str(world.b.cite.pk)]


def test_organisation_list_invalid_values(login, world, orgs):
    client = login(world.a.coordinator)
    content = get(client, reverse("cites:organisation_list"), cite=str(world.b.cite.pk), financeurs="peut-être")
    assert INVALID_CHOICE in content
    assert orgs[1].name in content, "ignored: every organisation of the scope"
    assert world.b.organisation.name not in content
    content = get(client, reverse("cites:organisation_list"), cite="abc")
    assert INVALID_CHOICE in content and orgs[0].name in content


def test_organisation_list_queries_flat_with_filters(login, world):
    second = CiteFactory(name="Deuxième cité coordonnée", departement="30")
    Membership.objects.create(user=world.a.coordinator, role=Role.COORDINATOR, cite=second)

    def build(i):
        organisation = OrganisationFactory(name=f"Financeur {i:02d}", is_funder=True, city="Alès")
        organisation.cites.add(world.a.cite, second)
        return organisation.name

    url = reverse("cites:organisation_list") + f"?financeurs=1&cite={world.a.cite.pk}&q=Financeur&tri=-nom"
    assert_same_query_count(login(world.a.coordinator), url, one_by_one(build))


# --- Conventions -------------------------------------------------------------------------
@pytest.fixture
def conventions(world):
    old = ConventionFactory(
        cite=world.a.cite,
        title="Convention 2019-2022",
        status=Convention.Status.ENDED,
        start_date=datetime.date(2019, 9, 1),
        end_date=datetime.date(2022, 8, 31),
    )
    fund = ConventionFactory(cite=world.a.cite, title="Fonds de la cité 2025", kind=Convention.Kind.FONDS)
    ConventionCommitmentFactory(convention=fund, amount=Decimal("90000"))
    other = ConventionFactory(cite=world.b.cite, title="Convention du Val-de-Marne")
    return old, fund, other


def test_convention_list_filter_and_sort(login, world, conventions):
    old, fund, other = conventions
    admin = login(world.admin)
    url = reverse("cites:convention_list")
    assert all(c.title in get(admin, url) for c in conventions)

    content = get(admin, url, cite=str(world.b.cite.pk))
    assert other.title in content and old.title not in content
    content = get(admin, url, statut=Convention.Status.ENDED)
    assert old.title in content and fund.title not in content
    content = get(admin, url, annee="2020")
    assert old.title in content and fund.title not in content and other.title not in content
    content = get(admin, url, type=Convention.Kind.FONDS)
    assert fund.title in content and old.title not in content

    assert order_of(get(admin, url, tri="periode"), [old.title, fund.title]) == [old.title, fund.title]
    assert order_of(get(admin, url, tri="-periode"), [old.title, fund.title]) == [fund.title, old.title]
    assert order_of(get(admin, url, tri="-engagements"), [old.title, fund.title])[0] == fund.title
    assert order_of(get(admin, url, tri="-cite"), [old.title, other.title]) == [other.title, old.title]


def test_convention_list_choices_and_invalid_values(login, world, conventions):
    client = login(world.a.coordinator)
    url = reverse("cites:convention_list")
    content = get(client, url)
    assert [v for v, _ in select_options(content, "cite")] == ["", str(world.a.cite.pk)]
    # Another cité's id: refused in French, ignored, and never shows that cité's conventions.
    content = get(client, url, cite=str(world.b.cite.pk))
    assert INVALID_CHOICE in content
    assert conventions[0].title in content and conventions[2].title not in content
    content = get(client, url, annee="deux-mille", tri="-inconnu")
    assert "Saisissez un nombre entier" in content
    assert conventions[0].title in content and conventions[1].title in content


def test_convention_list_queries_flat_with_filters(login, world):
    funder = OrganisationFactory(name="ANCT", is_funder=True, kind=Organisation.Kind.ETAT)

    def build(i):
        convention = ConventionFactory(cite=world.a.cite, title=f"Convention filtrée {i:02d}")
        ConventionCommitmentFactory(convention=convention, funder=funder, amount=Decimal(1000 + i))
        return convention.title

    url = reverse("cites:convention_list") + f"?cite={world.a.cite.pk}&statut=signed&annee=2026&tri=-engagements"
    assert_same_query_count(login(world.a.coordinator), url, one_by_one(build))
