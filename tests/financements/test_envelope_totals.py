"""The envelopes' maintained totals (``stored_decided``, ``stored_paid``) equal, after every
service operation, an independent recomputation from the FundingLine and Payment rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from financements import services
from financements.models import DECIDED_STATUSES, Envelope, FundingLine, LineStatus, Payment, Programme
from financements.services import FundingError

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
    services.change_status(money.line2, S.JUSTIFIED, by=None)
    assert_consistent()

    services.set_envelope(money.line1b, None, by=None)  # out of any envelope: out of its totals
    assert_consistent()
    assert stored()[money.local.pk] == (D("0.00"), D("0.00"))

    fourth = FundingLineFactory(envelope=money.p147, funder=money.anct, action=money.action2)
    services.change_status(fourth, S.REJECTED, by=None)
    assert_consistent()
    assert stored()[money.p147.pk] == (D("6500.00"), D("6500.00"))
    # The live recomputation of the pages agrees.
    live = Envelope.objects.with_totals().get(pk=money.p147.pk)
    assert (live.decided_total, live.paid_total) == stored()[money.p147.pk]


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
