"""The envelopes' maintained totals (``stored_decided``, ``stored_paid``) equal, after every
service operation, an independent recomputation from the FundingLine and Payment rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from financements import ledger, services
from financements.models import DECIDED_STATUSES, Envelope, FundingLine, LineStatus, LineTransition, Payment, Programme
from financements.services import TRANSITIONS, FundingError, rule_for

from .factories import EnvelopeFactory, FundingLineFactory, make_action

D = Decimal
S = LineStatus


def recomputed():
    """``{envelope_id: (decided, paid)}`` from the rows, in Python."""
    lines = {line.pk: line for line in FundingLine.objects.all()}
    totals = {env.pk: [D("0"), D("0")] for env in Envelope.objects.all()}
    for line in lines.values():
        if line.envelope_id and line.status in DECIDED_STATUSES:
            totals[line.envelope_id][0] += line.decided_amount
    for payment in Payment.objects.all():
        envelope_id = lines[payment.line_id].envelope_id
        if envelope_id:
            totals[envelope_id][1] += payment.amount
    return {pk: tuple(values) for pk, values in totals.items()}


def stored():
    return {
        pk: (decided, paid) for pk, decided, paid in Envelope.objects.values_list("pk", "stored_decided", "stored_paid")
    }


def assert_consistent():
    assert stored() == recomputed()


def pay(line, amount, kind=Payment.Kind.INSTALMENT):
    return services.record_payment(
        line, kind=kind, amount=D(amount), date=datetime.date(2026, 6, 1), reference="Mandat", by=None
    )


def test_totals_follow_every_service_operation(money):
    assert_consistent()
    assert stored()[money.p147.pk] == (D("4000.00"), D("2000.00"))
    fonds = EnvelopeFactory(cite=money.cite, funder=money.anct, programme=Programme.FONDS_CITE, amount=D("6000"))
    assert_consistent()

    services.set_amounts(money.line2, proposed=D("5000"), decided=D("5000"), by=None)  # decide
    assert_consistent()
    assert stored()[money.p147.pk] == (D("9000.00"), D("2000.00"))
    services.set_amounts(money.line2, decided=D("2500"), by=None)  # re-decide lower
    assert_consistent()
    services.decide_lines_bulk([(money.line1b, D("800"))], by=None)  # another envelope
    assert_consistent()
    assert stored()[money.local.pk] == (D("800.00"), D("0.00"))

    services.record_legal_act(
        money.line2, act_type="arrete", reference="Arrêté 2", date=datetime.date(2026, 5, 1), by=None
    )
    pay(money.line2, "1000", kind=Payment.Kind.ADVANCE)  # advance
    assert_consistent()
    pay(money.line2, "1500", kind=Payment.Kind.BALANCE)  # balance: the line is paid
    assert FundingLine.objects.get(pk=money.line2.pk).status == S.PAID
    pay(money.line1, "2000", kind=Payment.Kind.BALANCE)
    assert_consistent()
    assert stored()[money.p147.pk] == (D("6500.00"), D("6500.00"))

    third = FundingLineFactory(envelope=money.p147, funder=money.anct, action=money.action2, requested_amount=D("700"))
    services.set_amounts(third, decided=D("700"), by=None)
    assert stored()[money.p147.pk][0] == D("7200.00")
    services.change_status(third, S.CANCELLED, by=None)  # cancelled: released
    assert_consistent()
    assert stored()[money.p147.pk][0] == D("6500.00")

    services.set_envelope(money.line1, fonds, by=None)  # move a paid line: decided and paid move
    assert_consistent()
    assert stored()[money.p147.pk] == (D("2500.00"), D("2500.00"))
    assert stored()[fonds.pk] == (D("4000.00"), D("4000.00"))
    services.update_line(money.line1, envelope=money.p147, decided=D("4000"), by=None)  # and back, via the form
    assert_consistent()

    services.change_status(money.line2, S.TO_RECOVER, amount_to_recover=D("300"), by=None)  # still drawn
    assert_consistent()
    services.change_status(money.line2, S.JUSTIFIED, comment="Remise gracieuse", by=None)
    assert_consistent()

    services.set_envelope(money.line1b, None, by=None)  # out of any envelope: out of its totals
    assert_consistent()
    assert stored()[money.local.pk] == (D("0.00"), D("0.00"))

    fourth = FundingLineFactory(envelope=money.p147, funder=money.anct, action=money.action2)
    services.change_status(fourth, S.REJECTED, by=None)
    assert_consistent()
    assert stored()[money.p147.pk] == (D("6500.00"), D("6500.00"))
    # The live recomputation of the pages agrees.
    live = ledger.for_envelopes([Envelope.objects.get(pk=money.p147.pk)])[money.p147.pk]
    assert (live.decided, live.paid) == stored()[money.p147.pk]


def test_every_write_path_keeps_the_cache_equal_to_the_rows(money):
    """Each step is one write path a user can take (every transition of the table, moving
    a line between envelopes, editing an envelope); after each, the stored totals equal a
    sum over the rows, and they moved as the step says."""
    by = money.world.a.coordinator
    fonds = EnvelopeFactory(cite=money.cite, funder=money.anct, programme=Programme.FONDS_CITE, amount=D("6000"))
    services.refresh_envelope_totals()
    fresh = FundingLineFactory(envelope=money.p147, funder=money.anct, action=money.action2, requested_amount=D("900"))
    spare = FundingLineFactory(envelope=money.p147, funder=money.anct, action=money.action2, requested_amount=D("50"))
    act = {"act_type": "arrete", "reference": "ARR", "date": datetime.date(2026, 4, 1)}
    steps = [
        # (what, the call, ANCT p147 totals after it: decided, paid)
        ("decide", lambda: services.set_amounts(money.line2, decided=D("3000"), by=by), ("7000", "2000")),
        ("reject a decided line", lambda: services.set_amounts(money.line2, decided=D("0"), by=by), ("4000", "2000")),
        ("decide again", lambda: services.decide_lines_bulk([(money.line2, D("2500"))], by=by), ("6500", "2000")),
        ("reopen", lambda: services.set_amounts(money.line2, decided=None, by=by), ("4000", "2000")),
        ("decide", lambda: services.set_amounts(money.line2, decided=D("2500"), by=by), ("6500", "2000")),
        ("commit", lambda: services.record_legal_act(money.line2, **act, by=by), ("6500", "2000")),
        ("pay an advance", lambda: pay(money.line2, "1000", kind=Payment.Kind.ADVANCE), ("6500", "3000")),
        ("pay the balance", lambda: pay(money.line2, "1500", kind=Payment.Kind.BALANCE), ("6500", "4500")),
        ("justify", lambda: services.change_status(money.line2, S.JUSTIFIED, by=by), ("6500", "4500")),
        (
            "to recover",
            lambda: services.change_status(money.line2, S.TO_RECOVER, amount_to_recover=D("300"), by=by),
            ("6500", "4500"),
        ),
        (
            "waive",
            lambda: services.change_status(money.line2, S.JUSTIFIED, comment="Erreur de bilan", by=by),
            ("6500", "4500"),
        ),
        (
            "to recover again",
            lambda: services.change_status(money.line2, S.TO_RECOVER, amount_to_recover=D("200"), by=by),
            ("6500", "4500"),
        ),
        (
            "recover",
            lambda: services.record_recovery(money.line2, date=datetime.date(2026, 10, 1), reference="TR", by=by),
            ("6500", "4500"),
        ),
        (
            "to recover from committed",
            lambda: services.change_status(money.line1, S.TO_RECOVER, amount_to_recover=D("100"), by=by),
            ("6500", "4500"),
        ),
        ("decide a fresh line", lambda: services.set_amounts(fresh, decided=D("900"), by=by), ("7400", "4500")),
        ("cancel it", lambda: services.change_status(fresh, S.CANCELLED, by=by), ("6500", "4500")),
        ("reject a requested line", lambda: services.change_status(spare, S.REJECTED, by=by), ("6500", "4500")),
        ("reopen it", lambda: services.change_status(spare, S.REQUESTED, by=by), ("6500", "4500")),
        ("decide it", lambda: services.set_amounts(spare, decided=D("50"), by=by), ("6550", "4500")),
        ("commit it", lambda: services.record_legal_act(spare, **act, by=by), ("6550", "4500")),
        ("cancel it committed", lambda: services.change_status(spare, S.CANCELLED, by=by), ("6500", "4500")),
        ("move an envelope", lambda: services.set_envelope(money.line1, fonds, by=by), ("2500", "2500")),
        (
            "move back with the form",
            lambda: services.update_line(money.line1, envelope=money.p147, by=by),
            ("6500", "4500"),
        ),
        ("update the envelope", lambda: services.save_envelope(_with_amount(money.p147, "7000"), by=by), None),
        ("create lines", lambda: services.create_lines_from_budget(money.action2, by=by), ("6500", "4500")),
    ]
    for what, step, expected in steps:
        step()
        assert stored() == recomputed(), what
        if expected:
            assert stored()[money.p147.pk] == tuple(D(x) for x in expected), what
    # Every transition of the table was one of the steps.
    taken = {rule_for(f, t) for f, t in LineTransition.objects.values_list("from_status", "to_status")}
    assert taken == set(TRANSITIONS)


def _with_amount(envelope, amount):
    envelope = Envelope.objects.get(pk=envelope.pk)
    envelope.amount = D(amount)
    return envelope


def test_a_refused_operation_leaves_the_totals_unchanged(money):
    before = stored()
    with pytest.raises(FundingError):
        pay(money.line1, "2000.01")
    with pytest.raises(FundingError):
        services.decide_lines_bulk([(money.line2, D("6000.01"))], by=None)
    with pytest.raises(FundingError):
        services.change_status(money.line1, S.CANCELLED, by=None)  # money was paid
    assert stored() == before
    assert_consistent()


def test_saving_a_stale_envelope_does_not_write_back_old_totals(money):
    form_copy = Envelope.objects.get(pk=money.p147.pk)  # read before the decision
    services.set_amounts(money.line2, decided=D("1000"), by=None)
    form_copy.legal_reference = "Arrêté modifié"
    services.save_envelope(form_copy, by=None)
    assert_consistent()
    assert Envelope.objects.get(pk=money.p147.pk).legal_reference == "Arrêté modifié"


def test_the_database_refuses_paid_beyond_decided(money):
    with pytest.raises(IntegrityError), transaction.atomic():
        Envelope.objects.filter(pk=money.p147.pk).update(stored_paid=D("4000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Envelope.objects.filter(pk=money.p147.pk).update(stored_decided=D("-1"), stored_paid=D("-1"))


def test_admin_corrections_refresh_the_totals(login, money):
    client = login(money.world.admin)
    payment = money.line1.payments.get()
    url = reverse("admin:financements_payment_change", args=[payment.pk])
    data = {"line": money.line1.pk, "kind": payment.kind, "amount": "1500.00", "date": "2026-05-02", "reference": ""}
    assert client.post(url, data).status_code == 302
    assert_consistent()
    assert stored()[money.p147.pk] == (D("4000.00"), D("1500.00"))
    delete = reverse("admin:financements_payment_delete", args=[payment.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert_consistent()
    assert stored()[money.p147.pk] == (D("4000.00"), D("0.00"))


def test_lines_outside_envelopes_stay_out_of_the_totals(money):
    action = make_action(money.cite, money.world.a.organisation, title="Hors enveloppe")
    line = FundingLine.objects.create(action=action, funder=money.anct, requested_amount=D("900"))
    services.set_amounts(line, decided=D("900"), by=None)
    assert_consistent()
    assert stored()[money.p147.pk] == (D("4000.00"), D("2000.00"))
