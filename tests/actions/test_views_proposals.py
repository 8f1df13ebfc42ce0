"""The partner's journey: public call pages, draft, fiche, budget, indicators, submission."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from actions.models import Action, BudgetLine

from .factories import CallFactory, funder

pytestmark = pytest.mark.django_db
S = Action.Status


class TestPublicPages:
    def test_anonymous_visitors_see_open_calls(self, client, world):
        open_call = CallFactory(cite=world.a.cite, title="Réussir au collège")
        CallFactory(cite=world.b.cite, title="Appel clos", closed=True)
        CallFactory(cite=world.b.cite, title="Appel caché", is_published=False)
        response = client.get(reverse("actions:public_call_list"))
        assert response.status_code == 200
        assert list(response.context["calls"]) == [open_call]
        response = client.get(reverse("actions:public_call_detail", args=[open_call.pk]))
        assert response.status_code == 200
        assert "Déposer une proposition" in response.content.decode()

    def test_a_closed_call_page_says_so(self, client, world):
        call = CallFactory(cite=world.a.cite, closed=True)
        content = client.get(reverse("actions:public_call_detail", args=[call.pk])).content.decode()
        assert "Cet appel à projets est clos" in content
        assert "Déposer une proposition" not in content

    def test_an_unpublished_call_is_not_found(self, client, world):
        call = CallFactory(cite=world.a.cite, is_published=False)
        assert client.get(reverse("actions:public_call_detail", args=[call.pk])).status_code == 404


class TestCreateProposal:
    def test_partner_creates_a_draft(self, login, world):
        call = CallFactory(cite=world.a.cite)
        client = login(world.a.partner)
        url = reverse("actions:proposal_create", args=[call.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"porteur": world.a.organisation.pk, "title": "Club lecture"})
        action = Action.objects.get()
        assert response.url == reverse("actions:update", args=[action.pk])
        assert (action.status, action.cite, action.call, action.year) == (S.DRAFT, world.a.cite, call, 2026)
        assert action.contact_email == world.a.partner.email

    def test_a_partner_cannot_carry_for_another_organisation(self, login, world):
        call = CallFactory(cite=world.a.cite)
        response = login(world.a.partner).post(
            reverse("actions:proposal_create", args=[call.pk]), {"porteur": world.b.organisation.pk, "title": "X"}
        )
        assert response.status_code == 200
        assert not Action.objects.exists()

    def test_closed_call_refuses_new_proposals(self, login, world):
        call = CallFactory(cite=world.a.cite, closed=True)
        response = login(world.a.partner).post(
            reverse("actions:proposal_create", args=[call.pk]),
            {"porteur": world.a.organisation.pk, "title": "Trop tard"},
            follow=True,
        )
        assert "Cet appel à projets est clos" in response.content.decode()
        assert not Action.objects.exists()

    @pytest.mark.parametrize("who", ["coordinator", "pilot", "prefecture"])
    def test_staff_do_not_propose(self, login, world, who):
        call = CallFactory(cite=world.a.cite)
        assert login(getattr(world.a, who)).get(reverse("actions:proposal_create", args=[call.pk])).status_code == 403

    def test_anonymous_is_sent_to_login(self, client, world):
        call = CallFactory(cite=world.a.cite)
        response = client.get(reverse("actions:proposal_create", args=[call.pk]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def _fiche_data(action, **overrides):
    data = {
        "version": action.version,
        "title": "Club lecture du mercredi",
        "national_objective": "1",
        "need": "Des élèves lisent peu.",
        "objectives": "Donner le goût de lire.",
        "description": "Un atelier par semaine.",
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        "place": "Médiathèque",
        "age_bands": ["6-10", "parents"],
        "expected_participants": "30",
        "expected_girls": "15",
        "expected_boys": "12",
        "contact_name": "Camille Martin",
        "contact_email": "camille@example.org",
        "contact_phone": "",
    }
    data.update(overrides)
    return data


class TestEditFiche:
    def test_partner_saves_the_fiche(self, login, world, make_action):
        action = make_action(complete=False)
        client = login(world.a.partner)
        url = reverse("actions:update", args=[action.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, _fiche_data(action))
        assert response.status_code == 302
        action.refresh_from_db()
        assert action.title == "Club lecture du mercredi"
        assert action.age_bands == ["6-10", "parents"]
        assert action.version == 2

    def test_a_stale_version_is_refused_and_keeps_what_was_typed(self, login, world, make_action):
        action = make_action(complete=False, title="Titre d'origine")
        client = login(world.a.partner)
        url = reverse("actions:update", args=[action.pk])
        first = _fiche_data(action, title="Première saisie")
        second = _fiche_data(action, title="Seconde saisie concurrente")
        assert client.post(url, first).status_code == 302
        response = client.post(url, second)  # opened at version 1, saved after version 2
        assert response.status_code == 200
        content = response.content.decode()
        assert "modifiée par quelqu&#x27;un d&#x27;autre" in content
        assert 'value="Seconde saisie concurrente"' in content
        action.refresh_from_db()
        assert (action.title, action.version) == ("Première saisie", 2)

    def test_validation_errors_are_in_french(self, login, world, make_action):
        action = make_action(complete=False)
        response = login(world.a.partner).post(
            reverse("actions:update", args=[action.pk]),
            _fiche_data(action, expected_participants="10", expected_girls="8", expected_boys="8"),
        )
        assert response.status_code == 200
        assert "Filles et garçons ne peuvent dépasser le nombre de participants." in response.content.decode()

    def test_a_submitted_proposal_is_no_longer_editable(self, login, world, make_action):
        action = make_action(status=S.SUBMITTED)
        client = login(world.a.partner)
        response = client.post(reverse("actions:update", args=[action.pk]), _fiche_data(action), follow=True)
        assert "n&#x27;est plus modifiable" in response.content.decode()
        action.refresh_from_db()
        assert action.title != "Club lecture du mercredi"


def _budget_data(action, charges=(), produits=(), version=None):
    data = {"version": action.version if version is None else version}
    for prefix, rows in (("charges", charges), ("produits", produits)):
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = 0
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
    return data


class TestBudget:
    def test_partner_enters_a_balanced_budget(self, login, world, make_action):
        action = make_action(complete=False)
        state = funder()
        client = login(world.a.partner)
        url = reverse("actions:budget", args=[action.pk])
        assert client.get(url).status_code == 200
        data = _budget_data(
            action,
            charges=[
                {"account": "64", "label": "Animateurs", "amount_planned": "1500.00"},
                {"account": "60", "label": "Livres", "amount_planned": "500"},
            ],
            produits=[{"account": "74", "label": "ANCT", "funder": state.pk, "amount_planned": "2000"}],
        )
        response = client.post(url, data, follow=True)
        assert "Le budget est enregistré et équilibré." in response.content.decode()
        assert action.budget_totals() == (Decimal("2000.00"), Decimal("2000.00"))
        assert BudgetLine.objects.get(side="produit").funder == state

    def test_an_unbalanced_budget_is_saved_with_a_warning(self, login, world, make_action):
        action = make_action(complete=False)
        data = _budget_data(action, charges=[{"account": "64", "label": "Animateurs", "amount_planned": "300"}])
        response = login(world.a.partner).post(reverse("actions:budget", args=[action.pk]), data, follow=True)
        assert "il manque 300,00\u00a0€ de produits" in response.content.decode()

    def test_a_subsidy_without_funder_is_refused(self, login, world, make_action):
        action = make_action(complete=False)
        data = _budget_data(action, produits=[{"account": "74", "label": "Subvention", "amount_planned": "300"}])
        response = login(world.a.partner).post(reverse("actions:budget", args=[action.pk]), data)
        assert response.status_code == 200
        assert "Indiquez le financeur sollicité" in response.content.decode()
        assert not BudgetLine.objects.exists()

    def test_a_charge_account_is_refused_on_the_produit_side(self, login, world, make_action):
        action = make_action(complete=False)
        data = _budget_data(action, produits=[{"account": "60", "label": "Achats", "amount_planned": "300"}])
        response = login(world.a.partner).post(reverse("actions:budget", args=[action.pk]), data)
        assert response.status_code == 200
        assert not BudgetLine.objects.exists()

    def test_a_stale_budget_is_refused(self, login, world, make_action):
        action = make_action(complete=False)
        Action.objects.filter(pk=action.pk).update(version=5)
        data = _budget_data(action, charges=[{"account": "64", "label": "Animateurs", "amount_planned": "300"}])
        response = login(world.a.partner).post(reverse("actions:budget", args=[action.pk]), data)
        assert response.status_code == 200
        assert "Modification concurrente" in response.content.decode()
        assert 'value="Animateurs"' in response.content.decode()
        assert not BudgetLine.objects.exists()

    def test_indicators(self, login, world, make_action):
        action = make_action(complete=False)
        client = login(world.a.partner)
        url = reverse("actions:indicators", args=[action.pk])
        assert client.get(url).status_code == 200
        data = {
            "version": 1,
            "indicateurs-TOTAL_FORMS": 1,
            "indicateurs-INITIAL_FORMS": 0,
            "indicateurs-MIN_NUM_FORMS": 0,
            "indicateurs-MAX_NUM_FORMS": 1000,
            "indicateurs-0-label": "Élèves inscrits",
            "indicateurs-0-target": "25",
            "indicateurs-0-unit": "élèves",
        }
        assert client.post(url, data).status_code == 302
        assert list(action.indicators.values_list("label", flat=True)) == ["Élèves inscrits"]


class TestSubmit:
    def test_detail_page_shows_what_is_missing(self, login, world, make_action):
        action = make_action(complete=False)
        content = login(world.a.partner).get(reverse("actions:detail", args=[action.pk])).content.decode()
        assert "Ce qui manque encore" in content
        assert "Cochez au moins un public visé." in content

    def test_submission_sends_the_coordination_an_email(
        self, login, world, make_action, django_capture_on_commit_callbacks
    ):
        action = make_action()
        client = login(world.a.partner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("actions:transition", args=[action.pk, "submit"]), follow=True)
        assert "Statut : Déposée" in response.content.decode()
        action.refresh_from_db()
        assert (action.status, action.reference) == (S.SUBMITTED, "CITEA-2026-001")
        assert [email.to for email in mail.outbox] == [[world.a.coordinator.email]]

    def test_an_unbalanced_submission_shows_the_gap(self, login, world, make_action):
        action = make_action()
        BudgetLine.objects.filter(action=action, side="produit").update(amount_planned=Decimal("900"))
        response = login(world.a.partner).post(reverse("actions:transition", args=[action.pk, "submit"]), follow=True)
        content = response.content.decode()
        assert "La proposition ne peut pas encore être déposée." in content
        assert "il manque 100,00\u00a0€ de produits" in content
        action.refresh_from_db()
        assert action.status == S.DRAFT

    def test_a_get_never_submits(self, login, world, make_action):
        action = make_action()
        response = login(world.a.partner).get(reverse("actions:transition", args=[action.pk, "submit"]))
        assert response.status_code == 405
