"""Every money invariant: refused in French, and nothing changed when refused."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from financements import services
from financements.models import Envelope, FundingLine, LineStatus, Payment, Programme
from financements.services import FundingError

from .factories import EnvelopeFactory, FundingLineFactory, funder, make_action, subsidy

D = Decimal


def decided_on(envelope):
    """What an envelope's lines have decided, summed in plain Python from the rows."""
    decided = {"decided", "committed", "paid", "justified", "to_recover", "recovered"}
    return sum((line.decided_amount for line in envelope.lines.all() if line.status in decided), Decimal("0.00"))


def snapshot(*objects):
    """What a refused operation must leave untouched: the rows and their history."""
    rows = []
    for obj in objects:
        fresh = type(obj).objects.get(pk=obj.pk)
        rows.append({f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields})
    return rows, FundingLine.history.count(), Payment.history.count(), Payment.objects.count()


# --- Envelope overrun --------------------------------------------------------------------
def test_deciding_beyond_the_envelope_is_refused_and_changes_nothing(money):
    before = snapshot(money.line1, money.line2, money.p147)
    with pytest.raises(FundingError) as refusal:
        services.set_amounts(money.line2, decided=D("6000.01"), by=money.world.a.coordinator)
    assert "Enveloppe dépassée" in str(refusal.value)
    assert "6 000,00\u00a0€ disponibles" in str(refusal.value).replace("\u202f", " ")
    assert snapshot(money.line1, money.line2, money.p147) == before


def test_deciding_exactly_the_rest_of_the_envelope_is_accepted(money):
    services.set_amounts(money.line2, proposed=D("6000"), decided=D("6000.00"), by=money.world.a.coordinator)
    money.line2.refresh_from_db()
    assert money.line2.status == LineStatus.DECIDED
    assert money.line2.decided_amount == D("6000.00")
    assert decided_on(money.p147) == money.p147.amount
    record = money.line2.history.first()
    assert record.history_user == money.world.a.coordinator


def test_bulk_decisions_are_all_or_nothing(money):
    before = snapshot(money.line1b, money.line2)
    with pytest.raises(FundingError) as refusal:
        services.decide_lines_bulk([(money.line1b, D("1000")), (money.line2, D("7000"))], by=money.world.a.coordinator)
    assert refusal.value.message == "Aucun montant n'a été enregistré."
    assert any("Enveloppe dépassée" in problem for problem in refusal.value.problems)
    assert snapshot(money.line1b, money.line2) == before


def test_bulk_decisions_sum_lines_of_the_same_envelope(money):
    third = FundingLineFactory(envelope=money.p147, requested_amount=D("3000"))
    with pytest.raises(FundingError):  # 4 000 already decided + 3 500 + 3 000 > 10 000
        services.decide_lines_bulk([(money.line2, D("3500")), (third, D("3000"))], by=None)
    services.decide_lines_bulk([(money.line2, D("3000")), (third, D("3000"))], by=None)
    assert decided_on(money.p147) == D("10000.00")


def test_a_decision_of_zero_refuses_the_line(money):
    services.set_amounts(money.line2, decided=D("0"), by=None)
    money.line2.refresh_from_db()
    assert money.line2.status == LineStatus.REJECTED
    assert decided_on(money.p147) == D("4000.00")


def test_envelope_cannot_shrink_below_what_is_decided(money):
    envelope = Envelope.objects.get(pk=money.p147.pk)
    envelope.amount = D("3999.99")
    with pytest.raises(FundingError, match="inférieur aux montants déjà décidés"):
        services.save_envelope(envelope, by=None)
    assert Envelope.objects.get(pk=money.p147.pk).amount == D("10000.00")
    envelope.amount = D("4000.00")
    services.save_envelope(envelope, by=None)
    assert Envelope.objects.get(pk=money.p147.pk).amount == D("4000.00")


def test_envelope_funder_cannot_change_once_lines_draw_on_it(money):
    envelope = Envelope.objects.get(pk=money.p147.pk)
    envelope.funder = money.ville
    with pytest.raises(FundingError, match="ne peuvent plus changer"):
        services.save_envelope(envelope, by=None)
    assert Envelope.objects.get(pk=money.p147.pk).funder_id == money.anct.pk


# --- Payments ----------------------------------------------------------------------------
def pay(line, amount, kind=Payment.Kind.INSTALMENT):
    return services.record_payment(
        line, kind=kind, amount=D(amount), date=datetime.date(2026, 6, 1), reference="Mandat", by=None
    )


def test_payments_never_exceed_the_decided_amount(money):
    before = snapshot(money.line1)
    with pytest.raises(FundingError) as refusal:
        pay(money.line1, "2000.01")  # 2 000 already paid on 4 000 decided
    assert "Versement refusé" in str(refusal.value)
    assert snapshot(money.line1) == before
    pay(money.line1, "2000.00", kind=Payment.Kind.BALANCE)
    money.line1.refresh_from_db()
    assert money.line1.status == LineStatus.PAID
    assert money.line1.paid_amount() == money.line1.decided_amount


def test_a_payment_needs_a_legal_act(money):
    services.set_amounts(money.line2, decided=D("1000"), by=None)
    with pytest.raises(FundingError, match="ligne engagée"):
        pay(money.line2, "100")
    assert not money.line2.payments.exists()


def test_decided_amount_cannot_fall_below_payments(money):
    before = snapshot(money.line1)
    with pytest.raises(FundingError) as refusal:
        services.set_amounts(money.line1, decided=D("1999.99"), by=None)
    assert "versements déjà effectués" in str(refusal.value)
    assert snapshot(money.line1) == before


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_a_payment_is_positive(money, amount):
    with pytest.raises(FundingError, match="positif|négatif"):
        pay(money.line1, amount)


# --- No negative amount ------------------------------------------------------------------
def test_negative_amounts_are_refused_by_the_services(money):
    before = snapshot(money.line2)
    with pytest.raises(FundingError, match="négatif"):
        services.set_amounts(money.line2, proposed=D("-1"), by=None)
    with pytest.raises(FundingError, match="négatif"):
        services.set_amounts(money.line2, decided=D("-1"), by=None)
    assert snapshot(money.line2) == before


@pytest.mark.parametrize(
    "model, field",
    [
        (Envelope, "amount"),
        (FundingLine, "requested_amount"),
        (FundingLine, "proposed_amount"),
        (FundingLine, "decided_amount"),
        (Payment, "amount"),
    ],
)
def test_negative_amounts_are_refused_by_the_database(money, model, field):
    obj = {Envelope: money.p147, FundingLine: money.line1, Payment: money.line1.payments.first()}[model]
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=obj.pk).update(**{field: D("-1")})


def test_a_decided_line_has_a_decided_amount_in_the_database(money):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingLine.objects.filter(pk=money.line2.pk).update(status=LineStatus.DECIDED)


# --- Funder of the line = funder of the envelope -----------------------------------------
def test_a_line_cannot_move_to_another_funders_envelope(money):
    before = snapshot(money.line2)
    with pytest.raises(FundingError, match="n'est pas celui de l'enveloppe"):
        services.set_envelope(money.line2, money.local, by=None)
    assert snapshot(money.line2) == before
    money.line2.envelope = money.local
    with pytest.raises(ValidationError):
        money.line2.full_clean()


def test_a_line_cannot_use_an_envelope_of_another_cite(money):
    with pytest.raises(FundingError, match="cité et de l'année"):
        services.set_envelope(money.line2, money.b_envelope, by=None)


def test_moving_a_decided_line_checks_the_new_envelope(money):
    small = EnvelopeFactory(cite=money.cite, funder=money.anct, programme=Programme.FONDS_CITE, amount=D("100"))
    services.set_amounts(money.line2, decided=D("3000"), by=None)
    with pytest.raises(FundingError, match="Enveloppe dépassée"):
        services.set_envelope(money.line2, small, by=None)
    services.set_envelope(money.line2, None, by=None)
    assert decided_on(money.p147) == D("4000.00")


# --- Lines from the budget ---------------------------------------------------------------
def test_lines_are_created_from_the_subsidies_of_the_budget(money):
    caf = funder("CAF du département")
    action = make_action(money.cite, money.world.a.organisation, title="Accompagnement scolaire")
    subsidy(action, money.anct, "2500.00")
    subsidy(action, caf, "800.00")
    action.budget_lines.create(side="charge", account="64", label="Animateurs", amount_planned=D("3300"))
    created = services.create_lines_from_budget(action, by=money.world.a.coordinator)
    assert sorted((line.funder.name, line.requested_amount, line.envelope_id) for line in created) == [
        ("ANCT", D("2500.00"), money.p147.pk),
        ("CAF du département", D("800.00"), None),
    ]
    assert services.create_lines_from_budget(action, by=None) == []  # idempotent
    assert action.funding_lines.count() == 2


# --- Legal acts and statuses -------------------------------------------------------------
def test_a_legal_act_commits_a_decided_line(money):
    with pytest.raises(FundingError, match="ligne décidée"):
        services.record_legal_act(
            money.line2, act_type="arrete", reference="A-1", date=datetime.date(2026, 4, 1), by=None
        )
    services.set_amounts(money.line2, decided=D("3000"), by=None)
    services.record_legal_act(
        money.line2, act_type="convention", reference="C-1", date=datetime.date(2026, 4, 1), by=None
    )
    money.line2.refresh_from_db()
    assert money.line2.status == LineStatus.COMMITTED
    assert money.line2.legal_act_reference == "C-1"


def test_a_paid_line_cannot_be_cancelled_but_goes_to_recover(money):
    before = snapshot(money.line1)
    with pytest.raises(FundingError, match="ne peut pas être annulée"):
        services.change_status(money.line1, LineStatus.CANCELLED, by=None)
    with pytest.raises(FundingError, match="ne peut pas dépasser les versements"):
        services.change_status(money.line1, LineStatus.TO_RECOVER, amount_to_recover=D("2000.01"), by=None)
    assert snapshot(money.line1) == before
    services.change_status(money.line1, LineStatus.TO_RECOVER, amount_to_recover=D("500"), by=None)
    money.line1.refresh_from_db()
    assert (money.line1.status, money.line1.amount_to_recover) == (LineStatus.TO_RECOVER, D("500.00"))
    assert decided_on(money.p147) == D("4000.00")  # still drawn on the envelope


def test_cancelling_a_decided_line_releases_the_envelope(money):
    services.set_amounts(money.line2, decided=D("6000"), by=None)
    services.change_status(money.line2, LineStatus.CANCELLED, by=None)
    assert decided_on(money.p147) == D("4000.00")
    with pytest.raises(FundingError, match="ne peut pas passer"):
        services.change_status(money.line2, LineStatus.JUSTIFIED, by=None)
