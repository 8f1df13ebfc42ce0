"""``seed_scale`` on SQLite with tiny numbers: every kind of row, deterministic, and the
dashboards read the result; the COPIL decisions match the actions and their money."""

from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from actions.models import Action, BeneficiaryCount, Bilan, BudgetLine
from cites.models import Cite
from core.formatting import format_euros
from financements.models import Envelope, FundingLine, Payment
from pilotage.models import AgendaItem, Meeting, ProgrammingDecision
from tests.otp import force_login_verified

from .expected import DECIDED

pytestmark = pytest.mark.django_db

ARGS = ["--cites", "2", "--years", "1", "--actions-per-year", "3"]


def paid_on(envelope):
    return sum((payment.amount for payment in Payment.objects.filter(line__envelope=envelope)), Decimal("0.00"))


def decided_on(envelope):
    """What an envelope's lines have decided, summed in plain Python from the rows."""
    decided = {"decided", "committed", "paid", "justified", "to_recover", "recovered"}
    return sum((line.decided_amount for line in envelope.lines.all() if line.status in decided), Decimal("0.00"))


def _seed(*extra):
    out, err = StringIO(), StringIO()
    call_command("seed_scale", *ARGS, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _snapshot():
    return [
        (a.reference, a.title, a.status, a.year, a.expected_girls, a.porteur.name, tuple(a.age_bands))
        for a in Action.objects.select_related("porteur").order_by("cite__code", "year", "reference", "title")
    ] + [
        (i.action.reference, i.meeting.title, i.decision, i.decision_comment)
        for i in AgendaItem.objects.select_related("action", "meeting").order_by("action__reference", "meeting__title")
    ]


def test_tiny_seed_builds_every_kind_of_row():
    out, err = _seed()
    assert Cite.objects.filter(slug__startswith="scale-").count() == 2
    assert Action.objects.count() == 2 * 1 * 3
    assert BudgetLine.objects.count() == 4 * 6
    assert Envelope.objects.count() == 2 * 3
    assert Meeting.objects.count() == 2 * 3
    assert "100 %" in err and "Jeu de données généré" in out
    # Every envelope covers what is decided on it, and its maintained totals are the sums.
    for envelope in Envelope.objects.all():
        assert decided_on(envelope) <= envelope.amount
        assert (envelope.stored_decided, envelope.stored_paid) == (decided_on(envelope), paid_on(envelope))
    assert Envelope.objects.filter(stored_decided__gt=0).exists() == FundingLine.objects.counted().exists()
    assert Envelope.objects.filter(stored_paid__gt=0).exists() == Payment.objects.exists()
    # Balanced budgets.
    for action in Action.objects.all():
        charges, produits = action.budget_totals()
        assert charges == produits
    # Payments never exceed the decided amount.
    for line in FundingLine.objects.filter(status__in=DECIDED):
        assert line.paid_amount() <= line.decided_amount
    assert User.objects.filter(email="coordination.sc0001@scale.example.org").exists()
    assert User.objects.get(email="admin@scale.example.org").is_superuser


def test_seed_refuses_to_run_twice():
    _seed("--seed", "7")
    with pytest.raises(CommandError, match="déjà chargé"):
        _seed("--seed", "7")


def test_same_seed_same_rows():
    _seed("--seed", "11")
    first = _snapshot()
    for model in (BeneficiaryCount, Bilan, Payment, FundingLine, Envelope, BudgetLine):
        model.objects.all().delete()
    ProgrammingDecision.objects.all().delete()
    Meeting.objects.all().delete()
    Action.objects.all().delete()
    User.objects.filter(email__endswith="@scale.example.org").delete()
    Cite.objects.all().delete()
    from cites.models import Commune, Organisation, PriorityArea, School

    School.objects.all().delete()
    Commune.objects.all().delete()
    PriorityArea.objects.all().delete()
    Organisation.objects.all().delete()
    _seed("--seed", "11")
    assert _snapshot() == first


def test_dashboards_read_the_seeded_data(client):
    _seed("--actions-per-year", "20")
    assert Payment.objects.exists() and BeneficiaryCount.objects.filter(bilan__submitted_at__isnull=False).exists()
    force_login_verified(client, User.objects.get(email="coordination.sc0001@scale.example.org"))
    response = client.get(reverse("home"))
    assert response.status_code == 200 and response.context["by_status"]["total"] > 0
    force_login_verified(client, User.objects.get(email="admin@scale.example.org"))
    assert client.get(reverse("pilotage:dashboard_national")).context["total"]["cites"] == 2


def test_seeded_envelope_totals_are_the_sums_of_lines_and_payments():
    call_command(
        "seed_scale", "--cites", "2", "--years", "2", "--actions-per-year", "12", stdout=StringIO(), stderr=StringIO()
    )
    assert Payment.objects.exists()
    for envelope in Envelope.objects.all():
        assert (envelope.stored_decided, envelope.stored_paid) == (decided_on(envelope), paid_on(envelope))
    assert Envelope.objects.filter(stored_paid__gt=0).exists()


S = Action.Status
RETAINED = set(Action.RETAINED_STATUSES)
D = AgendaItem.Decision


@pytest.fixture
def seeded():
    call_command(
        "seed_scale", "--cites", "3", "--years", "2", "--actions-per-year", "20", stdout=StringIO(), stderr=StringIO()
    )


def test_copil_decisions_match_the_actions_statuses(seeded):
    now = timezone.now()
    items = defaultdict(list)
    for item in AgendaItem.objects.select_related("meeting").order_by("meeting__starts_at", "order"):
        assert item.meeting.kind == Meeting.Kind.COPIL
        items[item.action_id].append(item)
    final = {D.PROGRAMMED, D.REJECTED}
    seen = defaultdict(int)
    for action in Action.objects.all():
        mine = items.get(action.pk, [])
        decided = [item for item in mine if item.decision in final]
        for item in mine:
            seen[item.decision] += 1
        if action.status in RETAINED:
            assert [item.decision for item in decided] == [D.PROGRAMMED], action
        elif action.status == S.REJECTED:
            assert [item.decision for item in decided] == [D.REJECTED], action
        else:
            assert decided == [], action
        if decided:
            # A decision is the proposal's last word, taken at a COPIL already held.
            assert mine[-1] is decided[0] and decided[0].meeting.starts_at <= now
        for item in mine:
            if item.decision == D.DEFERRED:
                assert action.status in RETAINED | {S.REJECTED, S.IN_REVIEW, S.CHANGES_REQUESTED}
                assert item.meeting.starts_at <= now
            if item.decision == D.PENDING:
                assert action.status == S.IN_REVIEW and item.meeting.starts_at > now
            else:
                assert item.decision_comment
    assert seen[D.PROGRAMMED] and seen[D.REJECTED] and seen[D.DEFERRED] and seen[D.PENDING]
    # A COPIL that decided has its decisions recorded, by the cité's coordinator; one to come has none.
    for meeting in Meeting.objects.filter(kind=Meeting.Kind.COPIL).select_related("decisions_recorded_by"):
        decisions = meeting.agenda_items.exclude(decision=D.PENDING)
        if decisions.exists():
            assert meeting.starts_at <= meeting.decisions_recorded_at <= now
            assert meeting.decisions_recorded_by.memberships.filter(cite=meeting.cite, role="coordinator").exists()
            assert meeting.minutes.startswith("Décisions : ")
            assert meeting.decisions_recorded_at <= meeting.decisions_validated_at <= now
            assert meeting.decisions_validated_by_id == meeting.decisions_recorded_by_id
        else:
            assert meeting.decisions_recorded_at is None and meeting.decisions_validated_at is None
    assert Meeting.objects.filter(kind=Meeting.Kind.COPIL, starts_at__gt=now).count() == 3


def test_every_programmed_action_has_the_money_its_decision_states(seeded):
    lines = defaultdict(list)
    for line in FundingLine.objects.all():
        lines[line.action_id].append(line)
    programmed = AgendaItem.objects.filter(decision=D.PROGRAMMED).select_related("action", "meeting")
    assert programmed.count() == Action.objects.filter(status__in=RETAINED).count() > 0
    today = timezone.localdate()
    for item in programmed:
        mine = lines[item.action_id]
        decided = sum((line.decided_amount for line in mine if line.status in DECIDED), Decimal(0))
        assert decided > 0 and all(line.status in DECIDED for line in mine)
        assert f"Programmée : {format_euros(decided)} décidés" in item.decision_comment
        # The programming decision names the COPIL and its date.
        record = ProgrammingDecision.objects.get(action=item.action_id)
        assert (record.meeting_id, record.reason, record.no_funding_reason) == (item.meeting_id, "", "")
        assert record.decided_on == timezone.localtime(item.meeting.starts_at).date()
        held_on = timezone.localtime(item.meeting.starts_at).date()
        for payment in Payment.objects.filter(line__action=item.action_id):
            assert held_on <= payment.date <= today
    for item in AgendaItem.objects.filter(decision=D.REJECTED):
        assert {(line.status, line.decided_amount) for line in lines[item.action_id]} == {("rejected", 0)}


def test_envelope_caches_equal_the_sums_over_the_rows(seeded):
    decided, paid = defaultdict(Decimal), defaultdict(Decimal)
    for line in FundingLine.objects.exclude(envelope=None):
        if line.status in DECIDED:
            decided[line.envelope_id] += line.decided_amount
    for payment in Payment.objects.select_related("line"):
        paid[payment.line.envelope_id] += payment.amount
    envelopes = list(Envelope.objects.all())
    assert len(envelopes) == 3 * 2 * 3 and any(decided.values()) and any(paid.values())
    for envelope in envelopes:
        assert envelope.stored_decided == decided[envelope.pk]
        assert envelope.stored_paid == paid[envelope.pk]
        assert envelope.stored_decided <= envelope.amount


def test_funding_lines_follow_their_lifecycle(seeded):
    """Decided then committed (advance paid), paid (payments reach the decided amount),
    justified (closed)."""
    expected = {S.PROGRAMMED: "decided", S.IN_PROGRESS: "committed", S.REPORTED: "paid", S.CLOSED: "justified"}
    for line in FundingLine.objects.filter(action__status__in=RETAINED).select_related("action"):
        assert line.status == expected[line.action.status]
        paid = line.paid_amount()
        if line.status in ("paid", "justified"):
            assert paid == line.decided_amount
        elif line.status == "committed":
            assert 0 < paid < line.decided_amount
        else:
            assert paid == 0
