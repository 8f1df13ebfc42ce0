import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from actions import services
from actions.models import Action, Transition
from core.permissions import NotAllowed

from .factories import ActionFactory, BudgetLineFactory, CallFactory, complete_bilan

pytestmark = pytest.mark.django_db
S = Action.Status


def test_the_whole_workflow_is_recorded(world, make_action, django_capture_on_commit_callbacks):
    today = timezone.localdate()  # an action that ended yesterday: its bilan can be transmitted
    action = make_action(start_date=today - datetime.timedelta(days=90), end_date=today - datetime.timedelta(days=1))
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_action(action, by=a.partner)
        services.start_review(action, by=a.coordinator)
        services.request_changes(action, by=a.coordinator, comment="Précisez le public.")
        services.resubmit_action(action, by=a.partner, comment="C'est précisé.")
        services.programme_action(action, by=a.coordinator, comment="Adoptée en COPIL.")
        services.start_action(action, by=a.partner)
        complete_bilan(action)
        services.report_action(action, by=a.partner)
        services.close_action(action, by=a.coordinator)
    action.refresh_from_db()
    assert action.status == S.CLOSED
    steps = list(action.transitions.order_by("id").values_list("from_status", "to_status", "actor__email", "comment"))
    assert steps == [
        ("draft", "submitted", a.partner.email, ""),
        ("submitted", "in_review", a.coordinator.email, ""),
        ("in_review", "changes_requested", a.coordinator.email, "Précisez le public."),
        ("changes_requested", "in_review", a.partner.email, "C'est précisé."),
        ("in_review", "programmed", a.coordinator.email, "Adoptée en COPIL."),
        ("programmed", "in_progress", a.partner.email, ""),
        ("in_progress", "reported", a.partner.email, ""),
        ("reported", "closed", a.coordinator.email, ""),
    ]
    assert action.version == 9  # every step invalidates open edit forms


@pytest.mark.parametrize(
    ("status", "name", "who"),
    [
        (S.DRAFT, "programme", "coordinator"),
        (S.DRAFT, "start_review", "coordinator"),
        (S.SUBMITTED, "submit", "partner"),
        (S.SUBMITTED, "programme", "coordinator"),
        (S.IN_REVIEW, "resubmit", "partner"),
        (S.REJECTED, "programme", "coordinator"),
        (S.WITHDRAWN, "resubmit", "partner"),
        (S.CLOSED, "withdraw", "partner"),
        (S.IN_PROGRESS, "close", "coordinator"),
    ],
)
def test_impossible_transitions_change_nothing(world, make_action, status, name, who):
    action = make_action(status=status)
    with pytest.raises(services.TransitionError) as error:
        services.apply_transition(action, name, by=getattr(world.a, who), comment="un commentaire")
    assert "Opération impossible" in error.value.message
    assert type(error.value) is services.TransitionError
    action.refresh_from_db()
    assert (action.status, action.version, action.reference) == (status, 1, None)
    assert not Transition.objects.exists()


@pytest.mark.parametrize(
    ("status", "name", "who"),
    [
        (S.DRAFT, "submit", "coordinator"),
        (S.DRAFT, "submit", "pilot"),
        (S.IN_REVIEW, "programme", "pilot"),
        (S.IN_REVIEW, "programme", "prefecture"),
        (S.IN_REVIEW, "programme", "partner"),
        (S.SUBMITTED, "request_changes", "partner"),
        (S.CHANGES_REQUESTED, "resubmit", "coordinator"),
    ],
)
def test_wrong_roles_are_refused(world, make_action, status, name, who):
    action = make_action(status=status)
    with pytest.raises(NotAllowed, match="Votre rôle ne permet pas"):
        services.apply_transition(action, name, by=getattr(world.a, who), comment="un commentaire")
    action.refresh_from_db()
    assert action.status == status
    assert not Transition.objects.exists()


def test_coordinator_of_another_cite_cannot_instruct(world, make_action):
    action = make_action(status=S.SUBMITTED)
    with pytest.raises(NotAllowed):
        services.start_review(action, by=world.b.coordinator)


def test_change_request_and_rejection_need_a_comment(world, make_action):
    action = make_action(status=S.IN_REVIEW)
    for function in (services.request_changes, services.reject_action):
        with pytest.raises(services.TransitionError, match="commentaire est obligatoire"):
            function(action, by=world.a.coordinator, comment="  ")
    action.refresh_from_db()
    assert action.status == S.IN_REVIEW


def test_an_unbalanced_budget_is_refused_with_the_gap(world, make_action):
    action = make_action()
    BudgetLineFactory(action=action, account="61", amount_planned=Decimal("350.00"))
    with pytest.raises(services.TransitionError) as error:
        services.submit_action(action, by=world.a.partner)
    assert error.value.problems == [
        "Le budget n'est pas équilibré : charges 1\u202f350,00\u00a0€, produits 1\u202f000,00\u00a0€ "
        "(il manque 350,00\u00a0€ de produits)."
    ]
    action.refresh_from_db()
    assert (action.status, action.reference) == (S.DRAFT, None)


def test_an_incomplete_proposal_is_refused(world):
    action = ActionFactory(call__cite=world.a.cite, porteur=world.a.organisation)
    with pytest.raises(services.TransitionError) as error:
        services.submit_action(action, by=world.a.partner)
    assert "Indiquez les dates de début et de fin." in error.value.problems
    assert Action.objects.get().status == S.DRAFT


def test_a_closed_call_refuses_submission_but_not_answers(world, make_action):
    closed = CallFactory(cite=world.a.cite, closed=True)
    draft = make_action(call=closed)
    with pytest.raises(services.TransitionError, match="L'appel à projets est clos"):
        services.submit_action(draft, by=world.a.partner)
    assert Action.objects.get(pk=draft.pk).status == S.DRAFT
    # A proposal sent back for changes can still be answered after the closing date.
    answered = make_action(call=closed, status=S.CHANGES_REQUESTED)
    services.resubmit_action(answered, by=world.a.partner)
    assert answered.status == S.IN_REVIEW


class TestReferences:
    def test_numbered_per_cite_and_year_at_first_submission(self, world, make_action):
        first, second = make_action(), make_action()
        other_cite = make_action(side="b")
        other_year = make_action(call__year=2027)
        assert first.reference is None
        services.submit_action(first, by=world.a.partner)
        services.submit_action(second, by=world.a.partner)
        services.submit_action(other_cite, by=world.b.partner)
        services.submit_action(other_year, by=world.a.partner)
        assert [first.reference, second.reference] == ["CITEA-2026-001", "CITEA-2026-002"]
        assert other_cite.reference == "CITEB-2026-001"
        assert other_year.reference == "CITEA-2027-001"
        first.refresh_from_db()
        assert first.reference == "CITEA-2026-001" and first.submitted_at is not None

    def test_kept_when_the_proposal_comes_back(self, world, make_action):
        action = make_action()
        services.submit_action(action, by=world.a.partner)
        services.request_changes(action, by=world.a.coordinator, comment="Complétez.")
        services.resubmit_action(action, by=world.a.partner)
        action.refresh_from_db()
        assert action.reference == "CITEA-2026-001"

    def test_a_withdrawn_number_is_not_reused(self, world, make_action):
        first, second = make_action(), make_action()
        services.submit_action(first, by=world.a.partner)
        services.withdraw_action(first, by=world.a.partner)
        services.submit_action(second, by=world.a.partner)
        assert second.reference == "CITEA-2026-002"


class TestNotifications:
    def test_submission_mails_the_coordination_after_commit(
        self, world, make_action, django_capture_on_commit_callbacks
    ):
        action = make_action()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.submit_action(action, by=world.a.partner)
        assert mail.outbox == []  # nothing leaves before the transaction commits
        for callback in callbacks:
            callback()
        assert len(mail.outbox) == 1
        email = mail.outbox[0]
        assert email.to == [world.a.coordinator.email]
        assert email.subject == f"Nouvelle proposition déposée : CITEA-2026-001 – {action.title}"
        assert "Association A a déposé la proposition" in email.body
        assert f"/actions/{action.pk}/" in email.body

    def test_a_refused_transition_sends_nothing(self, world, make_action, django_capture_on_commit_callbacks):
        action = make_action(status=S.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.TransitionError):
            services.programme_action(action, by=world.a.coordinator)
        assert mail.outbox == []

    def test_change_request_mails_the_porteur(self, world, make_action, django_capture_on_commit_callbacks):
        action = make_action(status=S.IN_REVIEW, reference="CITEA-2026-007")
        with django_capture_on_commit_callbacks(execute=True):
            services.request_changes(action, by=world.a.coordinator, comment="Détaillez le budget.")
        recipients = sorted(address for email in mail.outbox for address in email.to)
        assert recipients == ["camille.martin@example.org", world.a.partner.email]
        assert mail.outbox[0].subject == "Compléments demandés sur votre proposition CITEA-2026-007"
        assert "Détaillez le budget." in mail.outbox[0].body

    def test_decision_mail(self, world, make_action, django_capture_on_commit_callbacks):
        action = make_action(status=S.IN_REVIEW, reference="CITEA-2026-008", contact_email="")
        with django_capture_on_commit_callbacks(execute=True):
            services.programme_action(action, by=world.a.coordinator)
        assert [email.to for email in mail.outbox] == [[world.a.partner.email]]
        assert mail.outbox[0].subject == "Décision sur votre proposition CITEA-2026-008 : programmée"
        assert "Bonne nouvelle" in mail.outbox[0].body

    def test_a_copil_decision_leaves_the_notice_to_the_meeting(
        self, world, make_action, django_capture_on_commit_callbacks
    ):
        """Called from a COPIL (``notify=False``), programming and rejecting send nothing:
        the porteur hears of the decision when the coordinator validates the meeting."""
        first = make_action(status=S.IN_REVIEW)
        second = make_action(status=S.IN_REVIEW)
        with django_capture_on_commit_callbacks(execute=True):
            services.programme_action(first, by=world.a.coordinator, notify=False)
            services.reject_action(second, by=world.a.coordinator, comment="Hors priorités.", notify=False)
        assert (first.status, second.status) == (S.PROGRAMMED, S.REJECTED)
        assert mail.outbox == []

    def test_messages_notify_the_other_side(self, world, make_action, django_capture_on_commit_callbacks):
        action = make_action(status=S.IN_REVIEW, contact_email="")
        with django_capture_on_commit_callbacks(execute=True):
            services.post_message(action, by=world.a.partner, text="Une question sur le calendrier.")
            services.post_message(action, by=world.a.coordinator, text="Voici la réponse.")
        assert [email.to for email in mail.outbox] == [[world.a.coordinator.email], [world.a.partner.email]]
        assert "Une question sur le calendrier." in mail.outbox[0].body
        assert list(action.messages.values_list("from_porteur", flat=True)) == [True, False]


class TestOptimisticLocking:
    def test_a_stale_version_is_refused_and_nothing_is_written(self, world, make_action):
        action = make_action()
        stale = Action.objects.get(pk=action.pk)
        services.save_rows(action, by=world.a.partner, expected_version=1)
        assert Action.objects.get(pk=action.pk).version == 2

        stale.title = "Écrasement"
        with pytest.raises(services.ConflictError, match="modifiée par quelqu'un d'autre"):
            services.save_fiche(stale, by=world.a.partner, expected_version=1, relations={})
        assert Action.objects.get(pk=action.pk).title == action.title

    def test_a_submitted_proposal_is_not_editable(self, world, make_action):
        action = make_action(status=S.SUBMITTED)
        with pytest.raises(services.ConflictError, match="n'est plus modifiable"):
            services.save_rows(action, by=world.a.partner, expected_version=1)

    def test_only_the_porteur_saves_the_proposal(self, world, make_action):
        action = make_action()
        action.title = "Réécrite par la coordination"
        for user in (world.a.coordinator, world.b.partner):
            with pytest.raises(NotAllowed):
                services.save_fiche(action, by=user, expected_version=1, relations={})
        assert Action.objects.get(pk=action.pk).title != action.title


def test_opinions_one_per_author(world, make_action):
    action = make_action(status=S.IN_REVIEW)
    services.give_opinion(action, by=world.a.pilot, verdict="reserved", comment="À préciser.")
    services.give_opinion(action, by=world.a.pilot, verdict="favourable")
    assert list(action.opinions.values_list("verdict", flat=True)) == ["favourable"]
    with pytest.raises(NotAllowed):
        services.give_opinion(action, by=world.a.partner, verdict="favourable")
