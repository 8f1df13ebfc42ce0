"""The coordination's side: calls, proposals list, detail, workflow buttons, opinions,
notes and messages."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import Action, Call, Note, Opinion
from actions.views.common import PAGE_SIZE
from tests.querycount import assert_same_query_count

from .factories import BudgetLineFactory, CallFactory, IndicatorFactory

pytestmark = pytest.mark.django_db
S = Action.Status


class TestCalls:
    def test_coordinator_opens_a_call(self, login, world):
        client = login(world.a.coordinator)
        assert client.get(reverse("actions:call_create")).status_code == 200
        opens = timezone.localtime() + datetime.timedelta(days=1)
        response = client.post(
            reverse("actions:call_create"),
            {
                "cite": world.a.cite.pk,
                "year": 2027,
                "title": "Appel à projets 2027",
                "text": "Règlement",
                "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
                "closes_at": (opens + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
                "envelope": "120000",
                "is_published": "on",
            },
        )
        call = Call.objects.get()
        assert response.url == reverse("actions:public_call_detail", args=[call.pk])
        assert (call.cite, call.year, call.is_open) == (world.a.cite, 2027, False)

    def test_closing_before_opening_is_refused(self, login, world):
        response = login(world.a.coordinator).post(
            reverse("actions:call_create"),
            {"cite": world.a.cite.pk, "year": 2027, "title": "X", "opens_at": "2027-01-10T10:00",
             "closes_at": "2027-01-01T10:00"},
        )  # fmt: skip
        assert "La clôture doit suivre l&#x27;ouverture." in response.content.decode()
        assert not Call.objects.exists()

    def test_a_coordinator_cannot_open_a_call_for_another_cite(self, login, world):
        response = login(world.a.coordinator).post(
            reverse("actions:call_create"),
            {"cite": world.b.cite.pk, "year": 2027, "title": "X", "opens_at": "2027-01-01T10:00",
             "closes_at": "2027-02-01T10:00"},
        )  # fmt: skip
        assert response.status_code == 200
        assert not Call.objects.exists()

    @pytest.mark.parametrize(
        ("who", "list_status", "create_status", "update_status"),
        [
            ("a.coordinator", 200, 200, 200),
            ("a.pilot", 200, 403, 403),
            ("a.prefecture", 200, 403, 403),
            ("a.partner", 403, 403, 403),
            ("b.coordinator", 200, 200, 404),
            ("b.partner", 403, 403, 403),
        ],
    )
    def test_call_pages_by_role(self, login, world, who, list_status, create_status, update_status):
        call = CallFactory(cite=world.a.cite, is_published=False)
        side, role = who.split(".")
        client = login(getattr(getattr(world, side), role))
        assert client.get(reverse("actions:call_list")).status_code == list_status
        assert client.get(reverse("actions:call_create")).status_code == create_status
        assert client.get(reverse("actions:call_update", args=[call.pk])).status_code == update_status


class TestList:
    def test_coordinator_sees_the_proposals_of_the_cite(self, login, world, make_action):
        submitted = make_action(status=S.SUBMITTED, title="Déposée A")
        make_action(title="Brouillon A")
        make_action(status=S.SUBMITTED, side="b", title="Déposée B")
        response = login(world.a.coordinator).get(reverse("actions:list"))
        assert list(response.context["page_obj"]) == [submitted]

    def test_partner_sees_its_own_actions_drafts_included(self, login, world, make_action):
        mine = {make_action(), make_action(status=S.PROGRAMMED)}
        make_action(side="b")
        response = login(world.a.partner).get(reverse("actions:list"))
        assert set(response.context["page_obj"]) == mine
        assert "Mes actions" in response.content.decode()

    def test_filters(self, login, world, make_action):
        other_call = CallFactory(cite=world.a.cite)
        in_review = make_action(status=S.IN_REVIEW)
        make_action(status=S.SUBMITTED)
        on_other_call = make_action(status=S.SUBMITTED, call=other_call)
        client = login(world.a.coordinator)
        assert list(client.get(reverse("actions:list"), {"statut": "in_review"}).context["page_obj"]) == [in_review]
        by_call = client.get(reverse("actions:list"), {"appel": other_call.pk}).context["page_obj"]
        assert list(by_call) == [on_other_call]

    def test_query_count_does_not_grow_with_rows(self, login, world, make_action):
        def grow(total):
            for _ in range(total - Action.objects.count()):
                make_action(status=S.SUBMITTED)

        def check(response, total):
            page = response.context["page_obj"]
            assert page.paginator.count == total
            assert len(page) == min(total, PAGE_SIZE)

        client = login(world.a.coordinator)
        # 50 rows make two pages: the first one is full
        count = assert_same_query_count(client, reverse("actions:list"), grow, sizes=(5, 50), check=check)
        assert count <= 13  # 12, and the second factor's device (django-otp) since issue 12

    def test_cite_filter_for_users_who_read_several_cites(self, login, world, make_action):
        in_a = make_action(status=S.SUBMITTED, title="Proposition A")
        in_b = make_action(status=S.SUBMITTED, side="b", title="Proposition B")
        client = login(world.admin)
        everything = client.get(reverse("actions:list"))
        assert set(everything.context["page_obj"]) == {in_a, in_b}
        content = everything.content.decode()
        # every cité offered; the per-cité dropdowns wait for a cité to be chosen
        assert 'name="cite"' in content and world.b.cite.name in content
        assert 'name="appel"' not in content and 'name="porteur"' not in content
        only_b = client.get(reverse("actions:list"), {"cite": world.b.cite.pk})
        assert list(only_b.context["page_obj"]) == [in_b]
        assert [call.pk for call in only_b.context["calls"]] == [in_b.call_id]
        assert [organisation.pk for organisation in only_b.context["porteurs"]] == [world.b.organisation.pk]
        assert f'<option value="{in_b.call_id}"' in only_b.content.decode()
        # the other filters, kept in the URL, apply on top of the cité
        both = client.get(reverse("actions:list"), {"cite": world.b.cite.pk, "appel": in_a.call_id})
        assert list(both.context["page_obj"]) == []
        # a cité outside the user's perimeter is not found
        assert login(world.a.coordinator).get(reverse("actions:list"), {"cite": world.b.cite.pk}).status_code == 404

    def test_a_coordinator_of_one_cite_gets_the_dropdowns_without_choosing(self, login, world, make_action):
        action = make_action(status=S.SUBMITTED)
        content = login(world.a.coordinator).get(reverse("actions:list")).content.decode()
        assert 'name="cite"' not in content
        assert f'<option value="{action.call_id}"' in content

    @pytest.mark.parametrize("with_cite", [False, True])
    def test_admin_query_count_does_not_grow_with_rows(self, login, world, make_action, with_cite):
        url = reverse("actions:list") + (f"?cite={world.b.cite.pk}" if with_cite else "")

        def grow(n):  # n actions in each cité
            for _ in range(n - Action.objects.filter(cite=world.b.cite).count()):
                make_action(status=S.SUBMITTED, side="b")
                make_action(status=S.SUBMITTED)

        assert_same_query_count(login(world.admin), url, grow, sizes=(3, 8))


def test_detail_query_count_does_not_grow_with_rows(login, world, make_action):
    """The action page at 5 and at 50: actions of the cité, and budget lines, indicators,
    messages and notes of the action shown."""
    action = make_action(status=S.IN_REVIEW)

    def grow(total):
        for index in range(action.messages.count(), total):
            BudgetLineFactory(action=action, account="60", amount_planned=10)
            IndicatorFactory(action=action)
            services.post_message(action, by=world.a.partner, text=f"Message {index}")
            Note.objects.create(action=action, author=world.a.coordinator, text=f"Note {index}")
        for _ in range(total - Action.objects.count()):
            make_action(status=S.SUBMITTED)
        assert Action.objects.filter(cite=world.a.cite).count() == total
        assert action.messages.count() == action.notes.count() == total

    assert_same_query_count(login(world.a.coordinator), action.get_absolute_url(), grow, sizes=(5, 50))


class TestDetailAndWorkflow:
    def test_coordinator_runs_the_instruction(self, login, world, make_action, django_capture_on_commit_callbacks):
        action = make_action(status=S.SUBMITTED, reference="CITEA-2026-003")
        client = login(world.a.coordinator)
        content = client.get(reverse("actions:detail", args=[action.pk])).content.decode()
        assert "Commencer l&#x27;instruction" in content
        client.post(reverse("actions:transition", args=[action.pk, "start_review"]))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("actions:transition", args=[action.pk, "request_changes"]), {"comment": "Budget à revoir."}
            )
        action.refresh_from_db()
        assert action.status == S.CHANGES_REQUESTED
        assert len(mail.outbox) == 2  # the porteur's staff and the contact person
        content = client.get(reverse("actions:detail", args=[action.pk])).content.decode()
        assert "Budget à revoir." in content  # the timeline

    @pytest.mark.parametrize("comment", ["", "   "])  # a blank comment does not count as one
    def test_a_refused_transition_is_explained(self, login, world, make_action, comment):
        action = make_action(status=S.IN_REVIEW)
        response = login(world.a.coordinator).post(
            reverse("actions:transition", args=[action.pk, "reject"]), {"comment": comment}, follow=True
        )
        assert "Un commentaire est obligatoire pour « Ne pas retenir »." in response.content.decode()
        action.refresh_from_db()
        assert action.status == S.IN_REVIEW

    def test_each_button_has_its_labelled_comment_drawn_by_crispy(self, login, world, make_action):
        action = make_action(status=S.IN_REVIEW)
        content = login(world.a.coordinator).get(reverse("actions:detail", args=[action.pk])).content.decode()
        reject = content[content.index(reverse("actions:transition", args=[action.pk, "reject"])) :]
        reject = reject[: reject.index("</form>")]
        assert re.search(
            r'<label for="commentaire-reject-comment" class="fr-label">\s*Commentaire \(obligatoire\)', reject
        )
        assert re.search(r'<textarea name="comment"[^>]*required[^>]*id="commentaire-reject-comment"', reject)
        assert 'class="fr-btn fr-btn--secondary">Ne pas retenir</button>' in reject
        assert 'for="commentaire-request_changes-comment"' in content  # one id per button

    def test_an_unknown_transition_is_not_found(self, login, world, make_action):
        action = make_action(status=S.IN_REVIEW)
        response = login(world.a.coordinator).post(reverse("actions:transition", args=[action.pk, "teleport"]))
        assert response.status_code == 404

    def test_the_bilan_step_is_not_a_bare_button(self, login, world, make_action):
        action = make_action(status=S.IN_PROGRESS)
        response = login(world.a.partner).post(reverse("actions:transition", args=[action.pk, "report"]))
        assert response.status_code == 404
        action.refresh_from_db()
        assert action.status == S.IN_PROGRESS

    def test_opinions_are_hidden_from_the_porteur(self, login, world, make_action):
        action = make_action(status=S.IN_REVIEW)
        response = login(world.a.pilot).post(
            reverse("actions:opinion", args=[action.pk]), {"avis-verdict": "reserved", "avis-comment": "Coût élevé."}
        )
        assert response.status_code == 302
        assert Opinion.objects.get().author == world.a.pilot
        assert "Coût élevé." in login(world.a.coordinator).get(action.get_absolute_url()).content.decode()
        content = login(world.a.partner).get(action.get_absolute_url()).content.decode()
        assert "Coût élevé." not in content and "Réservé" not in content

    def test_internal_notes_are_hidden_from_the_porteur(self, login, world, make_action):
        action = make_action(status=S.IN_REVIEW)
        login(world.a.coordinator).post(reverse("actions:note_create", args=[action.pk]), {"note-text": "À appeler."})
        assert Note.objects.get().text == "À appeler."
        assert "À appeler." not in login(world.a.partner).get(action.get_absolute_url()).content.decode()

    def test_message_thread(self, login, world, make_action, django_capture_on_commit_callbacks):
        action = make_action(status=S.IN_REVIEW, contact_email="")
        with django_capture_on_commit_callbacks(execute=True):
            login(world.a.partner).post(
                reverse("actions:message_create", args=[action.pk]), {"message-text": "Quand aura lieu le COPIL ?"}
            )
        assert [email.to for email in mail.outbox] == [[world.a.coordinator.email]]
        content = login(world.a.coordinator).get(action.get_absolute_url()).content.decode()
        assert "Quand aura lieu le COPIL ?" in content
