"""The funding line's lifecycle as a declared table (issue 10).

Every allowed transition works through its service and records who, when and why (a
LineTransition); every other one is refused with nothing changed. Only the cité's
coordination (and the national team) moves lines: a pilot, the préfecture or a partner is
refused (views answer 403), another cité's staff does not see the line (404). A line « à
reverser » becomes « reversé » with its titre de recette.
"""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from core.permissions import NotAllowed
from financements import services
from financements.models import Envelope, FundingLine, LineStatus, LineTransition, Payment
from financements.services import TRANSITIONS, FundingError

from .factories import FundingLineFactory, PaymentFactory

D = Decimal
S = LineStatus
TODAY = timezone.localdate()

# The table as the issue describes it: (transition, from, to).
EXPECTED_TABLE = {
    ("decide", S.REQUESTED, S.DECIDED),
    ("decide", S.REJECTED, S.DECIDED),
    ("reject", S.REQUESTED, S.REJECTED),
    ("reject", S.DECIDED, S.REJECTED),
    ("reopen", S.DECIDED, S.REQUESTED),
    ("reopen", S.REJECTED, S.REQUESTED),
    ("commit", S.DECIDED, S.COMMITTED),
    ("pay", S.COMMITTED, S.PAID),
    ("justify", S.COMMITTED, S.JUSTIFIED),
    ("justify", S.PAID, S.JUSTIFIED),
    ("claim", S.COMMITTED, S.TO_RECOVER),
    ("claim", S.PAID, S.TO_RECOVER),
    ("claim", S.JUSTIFIED, S.TO_RECOVER),
    ("waive", S.TO_RECOVER, S.JUSTIFIED),
    ("recover", S.TO_RECOVER, S.RECOVERED),
    ("cancel", S.REQUESTED, S.CANCELLED),
    ("cancel", S.DECIDED, S.CANCELLED),
    ("cancel", S.COMMITTED, S.CANCELLED),
}


def line_in(money, status, *, paid=None):
    """A line of cité A (action 2, ANCT envelope) in ``status``: 1 000 € asked and, once
    decided, decided; ``paid`` defaults to everything for paid and later statuses."""
    decided = status not in (S.REQUESTED, S.REJECTED, S.CANCELLED)
    committed = status in (S.COMMITTED, S.PAID, S.JUSTIFIED, S.TO_RECOVER, S.RECOVERED)
    if paid is None:
        paid = D("1000") if status in (S.PAID, S.JUSTIFIED, S.TO_RECOVER, S.RECOVERED) else D("0")
    line = FundingLineFactory(
        envelope=money.p147,
        action=money.action2,
        requested_amount=D("1000"),
        status=status,
        decided_amount=D("1000") if decided else None,
        legal_act_type="arrete" if committed else "",
        legal_act_reference="Arrêté 2026-7" if committed else "",
        amount_to_recover=D("300") if status in (S.TO_RECOVER, S.RECOVERED) else D("0"),
        **({"recovery_date": datetime.date(2026, 9, 1), "recovery_reference": "TR-1"} if status == S.RECOVERED else {}),
    )
    if paid:
        PaymentFactory(line=line, amount=paid, date=datetime.date(2026, 5, 1))
    services.refresh_envelope_totals()
    return line


def state(line):
    """What a user would notice changed: the line, its payments, its timeline, its history
    and the envelope's totals."""
    fresh = FundingLine.objects.get(pk=line.pk)
    return (
        {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields},
        list(Payment.objects.filter(line=line).values_list("amount", flat=True)),
        LineTransition.objects.count(),
        FundingLine.history.filter(id=line.pk).count(),
        list(Envelope.objects.order_by("pk").values_list("stored_decided", "stored_paid")),
    )


# (transition, source status, payments before, the service call)
CASES = [
    ("decide", S.REQUESTED, None, lambda line, by: services.set_amounts(line, decided=D("800"), by=by)),
    ("decide", S.REJECTED, None, lambda line, by: services.decide_lines_bulk([(line, D("800"))], by=by)),
    ("reject", S.REQUESTED, None, lambda line, by: services.set_amounts(line, decided=D("0"), by=by)),
    (
        "reject",
        S.DECIDED,
        None,
        lambda line, by: services.change_status(line, S.REJECTED, comment="Hors des objectifs.", by=by),
    ),
    ("reopen", S.DECIDED, None, lambda line, by: services.set_amounts(line, decided=None, by=by)),
    (
        "reopen",
        S.REJECTED,
        None,
        lambda line, by: services.change_status(line, S.REQUESTED, comment="Recours du porteur.", by=by),
    ),
    (
        "commit",
        S.DECIDED,
        None,
        lambda line, by: services.record_legal_act(
            line, act_type="convention", reference="CONV-12", date=datetime.date(2026, 4, 2), by=by
        ),
    ),
    (
        "pay",
        S.COMMITTED,
        D("500"),
        lambda line, by: services.record_payment(
            line, kind="balance", amount=D("500"), date=datetime.date(2026, 6, 1), reference="Mandat 9", by=by
        ),
    ),
    (
        "justify",
        S.COMMITTED,
        D("500"),
        lambda line, by: services.change_status(line, S.JUSTIFIED, comment="Bilan accepté.", by=by),
    ),
    ("justify", S.PAID, None, lambda line, by: services.change_status(line, S.JUSTIFIED, comment="Bilan.", by=by)),
    *[
        (
            "claim",
            source,
            D("500") if source == S.COMMITTED else None,
            lambda line, by: services.change_status(
                line, S.TO_RECOVER, amount_to_recover=D("200"), comment="Dépenses inférieures.", by=by
            ),
        )
        for source in (S.COMMITTED, S.PAID, S.JUSTIFIED)
    ],
    (
        "waive",
        S.TO_RECOVER,
        None,
        lambda line, by: services.change_status(line, S.JUSTIFIED, comment="Remise gracieuse.", by=by),
    ),
    (
        "recover",
        S.TO_RECOVER,
        None,
        lambda line, by: services.record_recovery(
            line, amount=D("300"), date=datetime.date(2026, 10, 5), reference="TR-2026-42", by=by
        ),
    ),
    *[
        ("cancel", source, None, lambda line, by: services.change_status(line, S.CANCELLED, comment="Retrait.", by=by))
        for source in (S.REQUESTED, S.DECIDED, S.COMMITTED)
    ],
]
CASE_IDS = [f"{name}-from-{source}" for name, source, _, _ in CASES]


def test_the_table_is_the_declared_lifecycle():
    declared = {(name, source, rule.target) for name, rule in TRANSITIONS.items() for source in rule.sources}
    assert declared == EXPECTED_TABLE
    assert {(name, source) for name, source, _, _ in CASES} == {(n, s) for n, s, _ in EXPECTED_TABLE}
    pairs = [(source, target) for _, source, target in EXPECTED_TABLE]
    assert len(pairs) == len(set(pairs)), "one transition per (from, to)"
    # Only the coordination (and the national team through it) moves lines.
    assert {rule.roles for rule in TRANSITIONS.values()} == {frozenset({"coordination"})}


@pytest.mark.parametrize(("name", "source", "paid", "perform"), CASES, ids=CASE_IDS)
def test_every_allowed_transition_records_who_when_and_why(money, name, source, paid, perform):
    coordinator = money.world.a.coordinator
    line = line_in(money, source, paid=paid)
    before = timezone.now()
    perform(line, coordinator)

    target = TRANSITIONS[name].target
    assert FundingLine.objects.get(pk=line.pk).status == target
    step = LineTransition.objects.get(line=line)
    assert (step.from_status, step.to_status, step.actor) == (source, target, coordinator)
    assert before <= step.created_at <= timezone.now()
    assert step.comment  # why: the reason typed, or the amount, act, payment or titre de recette
    assert FundingLine.history.filter(id=line.pk).first().history_user == coordinator


def test_the_why_is_what_the_user_did(money):
    coordinator = money.world.a.coordinator
    line = line_in(money, S.REQUESTED)
    services.set_amounts(line, decided=D("800"), by=coordinator)
    services.record_legal_act(
        line, act_type="arrete", reference="ARR-9", date=datetime.date(2026, 4, 2), by=coordinator
    )
    services.record_payment(line, kind="balance", amount=D("800"), date=datetime.date(2026, 6, 1), by=coordinator)
    comments = list(LineTransition.objects.filter(line=line).values_list("comment", flat=True))
    assert comments[0] == "Montant décidé : 800,00\u00a0€."
    assert comments[1].startswith("Arrêté attributif ARR-9 du 2 avril 2026")
    assert "Solde de 800,00\u00a0€" in comments[2]


def test_a_system_load_is_recorded_without_author(money):
    line = line_in(money, S.REQUESTED)
    services.decide_lines_bulk([(line, D("500"))], by=None)
    step = LineTransition.objects.get(line=line)
    assert (step.from_status, step.to_status, step.actor) == (S.REQUESTED, S.DECIDED, None)


def test_an_amount_change_without_status_change_writes_no_step(money):
    line = line_in(money, S.DECIDED)
    services.set_amounts(line, proposed=D("900"), decided=D("900"), by=money.world.a.coordinator)
    assert not LineTransition.objects.filter(line=line).exists()


REFUSED_BY_STATUS_FORM = [
    (source, target)
    for source in S
    for target in S
    if source != target
    and not any(
        rule.on_status_form and rule.target == target and source in rule.sources for rule in TRANSITIONS.values()
    )
]


@pytest.mark.parametrize(("source", "target"), REFUSED_BY_STATUS_FORM, ids=lambda s: str(s))
def test_every_other_status_change_is_refused_and_changes_nothing(money, source, target):
    line = line_in(money, source)
    before = state(line)
    with pytest.raises(FundingError) as refusal:
        services.change_status(line, target, amount_to_recover=D("100"), comment="Essai.", by=money.world.a.coordinator)
    assert not isinstance(refusal.value, NotAllowed)
    assert state(line) == before
    assert FundingLine.objects.get(pk=line.pk).status == source


@pytest.mark.parametrize(
    ("source", "call", "message"),
    [
        *[
            (
                source,
                lambda line, by: services.record_recovery(
                    line, date=datetime.date(2026, 10, 5), reference="TR-1", by=by
                ),
                "Un reversement s'enregistre sur une ligne « À reverser »",
            )
            for source in S
            if source != S.TO_RECOVER
        ],
        *[
            (
                source,
                lambda line, by: services.record_legal_act(
                    line, act_type="arrete", reference="A", date=datetime.date(2026, 4, 1), by=by
                ),
                "Un acte juridique s'enregistre sur une ligne décidée",
            )
            for source in (S.REQUESTED, S.REJECTED, S.CANCELLED)
        ],
        *[
            (
                source,
                lambda line, by: services.record_payment(
                    line, kind="advance", amount=D("10"), date=datetime.date(2026, 6, 1), by=by
                ),
                "Un versement s'enregistre sur une ligne engagée",
            )
            for source in (S.REQUESTED, S.DECIDED, S.REJECTED, S.CANCELLED, S.TO_RECOVER, S.RECOVERED)
        ],
        (S.CANCELLED, lambda line, by: services.set_amounts(line, decided=D("10"), by=by), "Aucun montant"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else "",
)
def test_the_dedicated_screens_refuse_the_wrong_state(money, source, call, message):
    line = line_in(money, source)
    before = state(line)
    with pytest.raises(FundingError, match=message):
        call(line, money.world.a.coordinator)
    assert state(line) == before


def test_waiving_a_recovery_needs_a_reason_and_clears_the_amount(money):
    coordinator = money.world.a.coordinator
    line = line_in(money, S.TO_RECOVER)
    before = state(line)
    with pytest.raises(FundingError, match="Un commentaire est obligatoire pour « Renoncer au reversement »"):
        services.change_status(line, S.JUSTIFIED, by=coordinator)
    assert state(line) == before
    services.change_status(line, S.JUSTIFIED, comment="Remise gracieuse accordée.", by=coordinator)
    line.refresh_from_db()
    assert (line.status, line.amount_to_recover) == (S.JUSTIFIED, D("0.00"))


# --- Roles -------------------------------------------------------------------------------
READ_ONLY_ROLES = {
    "pilot": lambda w: w.a.pilot,
    "prefecture": lambda w: w.a.prefecture,
    "partner": lambda w: w.a.partner,
    "other_cite_coordinator": lambda w: w.b.coordinator,
}


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
@pytest.mark.parametrize(("name", "source", "paid", "perform"), CASES, ids=CASE_IDS)
def test_only_the_coordination_moves_a_line(money, role, name, source, paid, perform):
    line = line_in(money, source, paid=paid)
    before = state(line)
    with pytest.raises(NotAllowed, match="Votre rôle ne permet pas cette opération"):
        perform(line, READ_ONLY_ROLES[role](money.world))
    assert state(line) == before


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_other_writes_are_refused_to_read_only_roles(money, role):
    user = READ_ONLY_ROLES[role](money.world)
    line = line_in(money, S.REQUESTED)
    before = state(line)
    envelope = Envelope.objects.get(pk=money.p147.pk)
    envelope.notes = "Essai"
    calls = [
        lambda: services.set_amounts(line, proposed=D("10"), by=user),
        lambda: services.set_envelope(line, None, by=user),
        lambda: services.update_line(line, external_reference="DAUPHIN-1", by=user),
        lambda: services.save_envelope(envelope, by=user),
        lambda: services.create_lines_from_budget(money.action2, by=user),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert state(line) == before
    assert Envelope.objects.get(pk=money.p147.pk).notes == ""


def test_the_national_team_may_move_lines(money):
    line = line_in(money, S.TO_RECOVER)
    services.record_recovery(line, date=TODAY, reference="TR-9", by=money.world.admin)
    assert LineTransition.objects.get(line=line).actor == money.world.admin


def own_line(money, status):
    """A line of the partner's own action (so that the partner sees it: 403, not 404)."""
    line = line_in(money, status)
    FundingLine.objects.filter(pk=line.pk).update(action=money.action1)
    return FundingLine.objects.get(pk=line.pk)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("pilot", 403), ("prefecture", 403), ("partner", 403), ("other_cite_coordinator", 404)],
)
def test_views_answer_403_to_read_only_roles_and_404_outside(login, money, role, expected):
    line = own_line(money, S.TO_RECOVER)
    before = state(line)
    client = login(READ_ONLY_ROLES[role](money.world))
    recovery = reverse("financements:line_recovery", args=[line.pk])
    status = reverse("financements:line_status", args=[line.pk])
    assert client.get(recovery).status_code == expected
    data = {"amount": "300", "date": "2026-10-05", "reference": "TR-1"}
    assert client.post(recovery, data).status_code == expected
    assert client.post(status, {"status": "justified", "comment": "Essai"}).status_code == expected
    assert state(line) == before
    if expected == 403:  # the page shows the line without the buttons
        page = client.get(line.get_absolute_url()).content.decode()
        assert "Enregistrer le reversement" not in page


def test_anonymous_is_sent_to_login(client, money):
    line = line_in(money, S.TO_RECOVER)
    response = client.get(reverse("financements:line_recovery", args=[line.pk]))
    assert response.status_code == 302
    assert FundingLine.objects.get(pk=line.pk).status == S.TO_RECOVER


# --- Recovery ----------------------------------------------------------------------------
def test_recording_a_recovery_from_the_line_page(login, money):
    coordinator = money.world.a.coordinator
    line = line_in(money, S.TO_RECOVER)
    totals_before = state(line)[4]
    client = login(coordinator)
    page = client.get(line.get_absolute_url()).content.decode()
    url = reverse("financements:line_recovery", args=[line.pk])
    assert f'href="{url}"' in page and "Enregistrer le reversement" in page

    form = client.get(url).content.decode()
    assert 'value="300,00"' in form  # pre-filled with the amount to recover
    assert "Référence du titre de recette" in form
    response = client.post(
        url, {"amount": "300,00", "date": "2026-10-05", "reference": "TR-2026-42", "comment": "Reçu par la DDFiP."}
    )
    assert response.status_code == 302

    line.refresh_from_db()
    assert (line.status, line.amount_to_recover) == (S.RECOVERED, D("300.00"))
    assert (line.recovery_date, line.recovery_reference) == (datetime.date(2026, 10, 5), "TR-2026-42")
    assert state(line)[4] == totals_before  # a recovery is not a negative payment: the totals stay
    page = client.get(line.get_absolute_url()).content.decode()
    assert "Reversé" in page and "titre de recette TR-2026-42" in page
    assert "À reverser → Reversé" in page  # the timeline
    assert "Titre de recette TR-2026-42 : 300,00\u00a0€ reversés le 5 octobre 2026. Reçu par la DDFiP." in page
    assert str(coordinator) in page
    assert f'href="{url}"' not in page  # nothing left to recover


def test_a_recovery_on_a_line_not_to_recover_is_refused_in_french(login, money):
    line = line_in(money, S.PAID)
    before = state(line)
    client = login(money.world.a.coordinator)
    page = client.get(line.get_absolute_url()).content.decode()
    assert "Enregistrer le reversement" not in page
    response = client.post(
        reverse("financements:line_recovery", args=[line.pk]),
        {"amount": "300", "date": "2026-10-05", "reference": "TR-1"},
    )
    assert response.status_code == 200
    assert "Un reversement s&#x27;enregistre sur une ligne « À reverser » (statut actuel : « Versé »)." in (
        response.content.decode()
    )
    assert state(line) == before


def test_a_partial_or_future_recovery_is_refused(login, money):
    line = line_in(money, S.TO_RECOVER)
    before = state(line)
    client = login(money.world.a.coordinator)
    url = reverse("financements:line_recovery", args=[line.pk])
    response = client.post(url, {"amount": "200", "date": "2026-10-05", "reference": "TR-1"})
    assert "doit être le montant à reverser (300,00" in response.content.decode()
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client.post(url, {"amount": "300", "date": tomorrow.isoformat(), "reference": "TR-1"})
    assert "La date du reversement ne peut pas être dans le futur." in response.content.decode()
    response = client.post(url, {"amount": "300", "date": "2026-10-05", "reference": ""})
    assert "Ce champ est obligatoire." in response.content.decode()
    assert state(line) == before
    with pytest.raises(FundingError, match="référence du titre de recette"):
        services.record_recovery(line, date=TODAY, reference=" ", by=None)


def test_the_timeline_is_for_cite_staff(login, money):
    line = own_line(money, S.PAID)
    services.change_status(line, S.JUSTIFIED, comment="Bilan conforme, note interne.", by=money.world.a.coordinator)
    pilot_page = login(money.world.a.pilot).get(line.get_absolute_url()).content.decode()
    assert "Étapes de la ligne" in pilot_page and "Versé → Justifié" in pilot_page
    assert "Bilan conforme, note interne." in pilot_page
    partner_page = login(money.world.a.partner).get(line.get_absolute_url()).content.decode()
    assert "Étapes de la ligne" not in partner_page and "note interne" not in partner_page


# --- The status migration ----------------------------------------------------------------
def test_the_migration_maps_old_repaid_lines_to_recovered_and_back(money):
    migration = importlib.import_module("financements.migrations.0005_map_line_statuses_to_lifecycle")
    assert set(migration.MAPPING) == set(S.values) - {S.RECOVERED}  # every status of the old table
    old_repaid = line_in(money, S.JUSTIFIED)
    FundingLine.objects.filter(pk=old_repaid.pk).update(amount_to_recover=D("300"))
    justified = line_in(money, S.JUSTIFIED)
    paid = line_in(money, S.PAID)

    migration.forwards(django_apps, None)
    statuses = dict(FundingLine.objects.values_list("pk", "status"))
    assert (statuses[old_repaid.pk], statuses[justified.pk], statuses[paid.pk]) == (S.RECOVERED, S.JUSTIFIED, S.PAID)
    step = LineTransition.objects.get(line=old_repaid)
    assert (step.from_status, step.to_status, step.actor) == (S.JUSTIFIED, S.RECOVERED, None)

    migration.backwards(django_apps, None)
    assert FundingLine.objects.get(pk=old_repaid.pk).status == S.JUSTIFIED
    assert not LineTransition.objects.exists()
