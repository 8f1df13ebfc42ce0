"""Operations on money: every write to envelopes, funding lines and payments.

Each function runs in one transaction. The rows an invariant depends on are locked with
``select_for_update()`` — always envelopes first, then lines, each in primary-key order,
so that two operations never wait on each other in a cycle — and the sums are recomputed
from the database *after* the locks are held. Two coordinators allocating the last euros
of an envelope at the same time are thus serialised: the second one sees the first one's
decision and is refused. (On SQLite, ``select_for_update`` is a no-op but transactions
start with ``BEGIN IMMEDIATE``, which serialises writers in the same way.)

Each envelope keeps two totals (``stored_decided``, ``stored_paid``) that the national and
préfecture dashboards read instead of the lines and payments: every operation that
changes a decided amount, a status, a line's envelope or a payment recomputes them with
:func:`refresh_envelope_totals`, under the envelope's row lock, in its own transaction.

A funding line's life is the declared table :data:`TRANSITIONS` (requested → decided →
committed → paid → justified, with rejected, cancelled and to recover → recovered). Every
status change goes through it, under the locks: the rule says from which statuses and for
which roles, and a :class:`~financements.models.LineTransition` records who, when and why
in the same transaction.

A refused operation raises :class:`FundingError` with a French message (and, for bulk
operations, the list of problems) and changes nothing; a role that may not act raises
:class:`core.permissions.NotAllowed` (403). Services record who acted (``by``) in the
history and the timeline; ``by=None`` is the system (demo loads, imports): no role check,
an empty author.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import SUBSIDY_ACCOUNT, Action, BudgetLine
from core.db import serialised
from core.formatting import format_date_fr, format_euros
from core.permissions import NotAllowed

from . import ledger, permissions
from .models import (
    COMMITTED_STATUSES,
    DECIDED_STATUSES,
    MONEY_FIELD,
    ZERO,
    Envelope,
    FundingLine,
    LineStatus,
    LineTransition,
    Payment,
)
from .permissions import COORDINATION

UNSET = object()
S = LineStatus


class FundingError(Exception):
    """A money operation that would break an invariant; nothing was changed."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)

    def __str__(self):
        return " ".join([self.message, *self.problems])


# --- The funding line's life -------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    sources: tuple
    target: str
    roles: frozenset
    label: str  # the button or screen, in French
    comment_required: bool = False
    event: str = ""  # e-mail notification template, if any (none yet for money)
    # Offered by the « Changer le statut » form (change_status); the others have their own
    # screen, because they carry data: an amount, a legal act, a payment, a titre de recette.
    on_status_form: bool = False


MANAGERS = frozenset({COORDINATION})

TRANSITIONS = {
    # Amounts screen, programming table, COPIL decisions (set_amounts_bulk).
    "decide": Rule((S.REQUESTED, S.REJECTED), S.DECIDED, MANAGERS, "Décider le montant"),
    "reject": Rule((S.REQUESTED, S.DECIDED), S.REJECTED, MANAGERS, "Refuser le financement", on_status_form=True),
    "reopen": Rule((S.DECIDED, S.REJECTED), S.REQUESTED, MANAGERS, "Revenir à « Demandé »", on_status_form=True),
    # Legal act screen (record_legal_act).
    "commit": Rule((S.DECIDED,), S.COMMITTED, MANAGERS, "Enregistrer l'acte juridique"),
    # Payment screen (record_payment): when the payments reach the decided amount.
    "pay": Rule((S.COMMITTED,), S.PAID, MANAGERS, "Enregistrer un versement"),
    "justify": Rule((S.COMMITTED, S.PAID), S.JUSTIFIED, MANAGERS, "Valider le bilan (justifié)", on_status_form=True),
    # The bilan shows less spent than paid: the porteur owes ``amount_to_recover``.
    "claim": Rule(
        (S.COMMITTED, S.PAID, S.JUSTIFIED), S.TO_RECOVER, MANAGERS, "Demander un reversement", on_status_form=True
    ),
    # Nothing will be given back after all (error, remise gracieuse): say why.
    "waive": Rule(
        (S.TO_RECOVER,),
        S.JUSTIFIED,
        MANAGERS,
        "Renoncer au reversement",
        comment_required=True,
        on_status_form=True,
    ),
    # Recovery screen (record_recovery): the titre de recette is paid.
    "recover": Rule((S.TO_RECOVER,), S.RECOVERED, MANAGERS, "Enregistrer le reversement"),
    "cancel": Rule(
        (S.REQUESTED, S.DECIDED, S.COMMITTED), S.CANCELLED, MANAGERS, "Annuler la ligne", on_status_form=True
    ),
}

# status → the statuses the « Changer le statut » form offers (derived from the table).
STATUS_CHANGES = {
    status: tuple(rule.target for rule in TRANSITIONS.values() if rule.on_status_form and status in rule.sources)
    for status in LineStatus
}


def rule_for(source, target):
    """The name of the transition from ``source`` to ``target``, or None."""
    for name, rule in TRANSITIONS.items():
        if source in rule.sources and rule.target == target:
            return name
    return None


def allowed_transitions(line, user):
    """Names of the steps ``user`` may take now on ``line`` (no query: reads the scope)."""
    roles = permissions.funding_roles(user, line.action.cite)
    return [name for name, rule in TRANSITIONS.items() if line.status in rule.sources and rule.roles & roles]


def _check_role(by, cite, roles, label):
    """``by=None`` is the system (demo loads, imports): always allowed."""
    if by is not None and not roles & permissions.funding_roles(by, cite):
        raise NotAllowed(f"Votre rôle ne permet pas cette opération : « {label} ».")


def _move(row, target, *, by, comment=""):
    """Move a locked line to ``target`` along its declared transition, after checking the
    state, the role and the comment. Returns the unsaved :class:`LineTransition` that
    :func:`_save_line` writes with the line."""
    name = rule_for(row.status, target)
    if name is None:
        raise FundingError(
            f"Une ligne au statut « {row.get_status_display()} » ne peut pas passer au statut "
            f"« {LineStatus(target).label} »."
        )
    rule = TRANSITIONS[name]
    _check_role(by, row.action.cite, rule.roles, rule.label)
    comment = (comment or "").strip()
    if rule.comment_required and not comment:
        raise FundingError(f"Un commentaire est obligatoire pour « {rule.label} ».")
    transition = LineTransition(line=row, from_status=row.status, to_status=target, actor=by, comment=comment)
    row.status = target
    return transition


def _save_line(row, by, transition=None):
    _with_author(row, by).save()
    if transition is not None:
        transition.save()


def _with_author(obj, by):
    """Name the author in the history row written by the next save()."""
    if by is not None:
        obj._history_user = by
    return obj


def _check_amount(value, label):
    if value is None:
        return None
    value = Decimal(value)
    if value < 0:
        raise FundingError(f"Le {label} ne peut pas être négatif ({format_euros(value)}).")
    if value != value.quantize(Decimal("0.01")):
        raise FundingError(f"Le {label} compte au plus deux décimales.")
    return value


def _decided_on(envelope_id, exclude_ids=()):
    """The decided money drawn on an envelope, read now (call it under the lock)."""
    return ledger.decided_total(FundingLine.objects.filter(envelope_id=envelope_id).exclude(pk__in=exclude_ids))


def _paid_on(line_ids):
    return ledger.paid_by_line(line_ids)


def refresh_envelope_totals(envelope_ids=None):
    """Recompute ``stored_decided`` and ``stored_paid`` of these envelopes (all when
    ``None``) from their lines and payments — one UPDATE.

    Called by the services under the envelopes' row locks, after their writes; call it
    too after writing lines or payments outside the services (admin, bulk loads, tests).
    Money on lines without an envelope is in no envelope's totals."""
    envelopes = Envelope.objects.all()
    if envelope_ids is not None:
        ids = {pk for pk in envelope_ids if pk is not None}
        if not ids:
            return 0
        envelopes = envelopes.filter(pk__in=ids)
    decided = (
        FundingLine.objects.filter(envelope=OuterRef("pk"), status__in=DECIDED_STATUSES)
        .order_by()
        .values("envelope")
        .annotate(total=Sum("decided_amount"))
        .values("total")
    )
    paid = (
        Payment.objects.filter(line__envelope=OuterRef("pk"))
        .order_by()
        .values("line__envelope")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(ZERO, output_field=MONEY_FIELD)
    return envelopes.update(
        stored_decided=Coalesce(Subquery(decided, output_field=MONEY_FIELD), zero, output_field=MONEY_FIELD),
        stored_paid=Coalesce(Subquery(paid, output_field=MONEY_FIELD), zero, output_field=MONEY_FIELD),
    )


def _lock_envelopes(ids):
    return {env.pk: env for env in Envelope.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _lock_lines(ids):
    # Only the line rows are locked (``of``): the joined action, cité and funder are read.
    lines = FundingLine.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    return {line.pk: line for line in lines.select_related("action__cite", "funder")}


def _lock_line_and_envelope(line):
    """Lock one line's envelope (first, as everywhere) then the line; returns the line.
    Used by the operations that change the envelope's totals."""
    envelope_id = FundingLine.objects.filter(pk=line.pk).values_list("envelope_id", flat=True).first()
    _lock_envelopes({envelope_id} - {None})
    locked = _lock_lines([line.pk])[line.pk]
    if locked.envelope_id != envelope_id:  # moved between the read and the lock
        raise FundingError("La ligne a changé d'enveloppe pendant l'opération : recommencez.")
    return locked


def _refresh(target, source, fields):
    for field in fields:
        setattr(target, field, getattr(source, field))


LINE_FIELDS = (
    "requested_amount",
    "proposed_amount",
    "decided_amount",
    "status",
    "legal_act_type",
    "legal_act_reference",
    "legal_act_date",
    "external_reference",
    "amount_to_recover",
    "recovery_date",
    "recovery_reference",
    "comment",
    "envelope_id",
    "updated_at",
)


# --- Envelopes ---------------------------------------------------------------------------
@serialised
def save_envelope(envelope, *, by):
    """Create or update an envelope. Its amount cannot go below what is already decided
    on it, and its funder, cité or year cannot change once lines draw on it."""
    _check_role(by, envelope.cite, MANAGERS, "Enregistrer l'enveloppe")
    _check_amount(envelope.amount, "montant de l'enveloppe")
    with transaction.atomic():
        if envelope.pk:
            locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
            moved = (locked.funder_id, locked.cite_id, locked.year) != (
                envelope.funder_id,
                envelope.cite_id,
                envelope.year,
            )
            if moved and locked.lines.exists():
                raise FundingError(
                    "Des lignes de financement sont rattachées à cette enveloppe : "
                    "son financeur, sa cité et son année ne peuvent plus changer."
                )
            decided = _decided_on(envelope.pk)
            if envelope.amount < decided:
                raise FundingError(
                    f"Le montant de l'enveloppe ne peut pas être inférieur aux montants déjà décidés "
                    f"({format_euros(decided)})."
                )
        _with_author(envelope, by).save()
        refresh_envelope_totals([envelope.pk])
    return envelope


# --- Lines -------------------------------------------------------------------------------
def find_envelope(cite, year, funder_id):
    """The envelope of this funder for the cité and year, when there is exactly one."""
    envelopes = list(Envelope.objects.filter(cite=cite, year=year, funder_id=funder_id)[:2])
    return envelopes[0] if len(envelopes) == 1 else None


@serialised
def create_lines_from_budget(action, *, by):
    """One funding line per account-74 line of the action's budget (subsidy requested
    from a funder), attached to the funder's envelope for the cité and year when there is
    one. Budget lines that already have a funding line are skipped: calling it twice
    creates nothing the second time. Returns the created lines.

    A requested line draws nothing on its envelope: the envelope totals do not change."""
    _check_role(by, action.cite, MANAGERS, "Créer les lignes depuis le budget")
    created = []
    with transaction.atomic():
        # The action row lock serialises two clicks on the button; the one-to-one link to
        # the budget line backs it in the database.
        Action.objects.select_for_update().filter(pk=action.pk).first()
        budget_lines = BudgetLine.objects.filter(
            action=action, account=SUBSIDY_ACCOUNT, funding_line__isnull=True
        ).order_by("pk")
        for budget_line in budget_lines:
            line = FundingLine(
                action=action,
                funder_id=budget_line.funder_id,
                budget_line=budget_line,
                envelope=find_envelope(action.cite_id, action.year, budget_line.funder_id),
                requested_amount=budget_line.amount_planned,
            )
            _with_author(line, by).save()
            created.append(line)
    return created


@serialised
def set_envelope(line, envelope, *, by):
    """Attach a line to another envelope (or to none). The funder must match, the cité
    and year must be the action's, and a decided amount must fit in the new envelope."""
    with transaction.atomic():
        ids = {line.envelope_id, envelope.pk if envelope else None} - {None}
        envelopes = _lock_envelopes(ids)
        locked = _lock_lines([line.pk])[line.pk]
        _check_role(by, locked.action.cite, MANAGERS, "Changer d'enveloppe")
        target = envelopes.get(envelope.pk) if envelope else None
        if target is not None:
            _check_envelope_matches(locked, target)
            if locked.counts_on_envelope:
                available = target.amount - _decided_on(target.pk, exclude_ids=[locked.pk])
                if locked.decided_amount > available:
                    raise FundingError(_overrun_message(target, available, locked.decided_amount))
        locked.envelope = target
        _save_line(locked, by)
        refresh_envelope_totals(ids)
    _refresh(line, locked, LINE_FIELDS)
    line.envelope = target
    return line


def _check_envelope_matches(line, envelope):
    if envelope.funder_id != line.funder_id:
        raise FundingError(
            f"Le financeur de la ligne ({line.funder}) n'est pas celui de l'enveloppe ({envelope.funder})."
        )
    if envelope.cite_id != line.action.cite_id or envelope.year != line.action.year:
        raise FundingError("L'enveloppe doit être celle de la cité et de l'année de l'action.")


def _overrun_message(envelope, available, asked):
    return (
        f"Enveloppe dépassée : « {envelope} » n'a plus que {format_euros(max(available, ZERO))} disponibles, "
        f"{format_euros(asked)} demandés."
    )


def set_amounts(line, *, proposed=UNSET, decided=UNSET, by):
    """Set the proposed and/or decided amount of one line (see :func:`set_amounts_bulk`)."""
    set_amounts_bulk([(line, proposed, decided)], by=by)
    return line


def decide_lines_bulk(decisions, *, by):
    """``decisions``: a list of ``(line, decided_amount)``. All or nothing."""
    return set_amounts_bulk([(line, UNSET, decided) for line, decided in decisions], by=by)


@serialised
def set_amounts_bulk(changes, *, by):
    """Apply ``(line, proposed, decided)`` changes (``UNSET`` leaves a value as it is), all
    or nothing.

    A decided amount moves a requested (or refused) line to « décidé » (transition
    ``decide``); a decided amount of 0 refuses it (``reject``); clearing it brings the
    line back to « demandé » (``reopen``). Under the envelope locks, the decided total of
    each envelope must stay within its amount, and a line's decided amount cannot fall
    below what was already paid on it. Raises :class:`FundingError` listing every problem
    (:class:`~core.permissions.NotAllowed` at once for a line ``by`` may not manage).
    """
    changes = [(line, proposed, decided) for line, proposed, decided in changes]
    if not changes:
        return []
    problems = []
    for line, proposed, decided in changes:
        for value, label in ((proposed, "montant proposé"), (decided, "montant décidé")):
            if value is not UNSET and value is not None:
                try:
                    _check_amount(value, label)
                except FundingError as error:
                    problems.append(f"{line.action} – {line.funder} : {error.message}")
    if problems:
        raise FundingError("Aucun montant n'a été enregistré.", problems)

    line_ids = [line.pk for line, _, _ in changes]
    with transaction.atomic():
        # Envelopes first (read without lock to know which), then the lines.
        current_envelopes = FundingLine.objects.filter(pk__in=line_ids).values_list("envelope_id", flat=True)
        envelopes = _lock_envelopes({env_id for env_id in current_envelopes if env_id})
        locked = _lock_lines(line_ids)
        for row in locked.values():
            _check_role(by, row.action.cite, MANAGERS, "Saisir les montants")
        paid = _paid_on(line_ids)
        new_decided = {}
        transitions = {}
        for line, proposed, decided in changes:
            row = locked[line.pk]
            label = f"{row.action} – {row.funder}"
            if row.envelope_id and row.envelope_id not in envelopes:  # moved since we read it
                raise FundingError("Une ligne a changé d'enveloppe pendant l'opération : recommencez.")
            if proposed is not UNSET:
                row.proposed_amount = None if proposed is None else Decimal(proposed)
            if decided is UNSET:
                new_decided[row.pk] = row
                continue
            if row.status == S.CANCELLED:
                problems.append(f"{label} : la ligne est annulée, son montant ne peut plus être décidé.")
                continue
            if decided is None:
                if row.status in COMMITTED_STATUSES:
                    problems.append(f"{label} : la ligne est engagée, sa décision ne peut pas être effacée.")
                    continue
                row.decided_amount = None
                if row.status != S.REQUESTED:
                    transitions[row.pk] = _move(row, S.REQUESTED, by=by, comment="Décision effacée.")
            else:
                decided = Decimal(decided)
                already_paid = paid.get(row.pk, ZERO)
                if decided < already_paid:
                    problems.append(
                        f"{label} : le montant décidé ({format_euros(decided)}) ne peut pas être inférieur "
                        f"aux versements déjà effectués ({format_euros(already_paid)})."
                    )
                    continue
                if decided < row.amount_to_recover:
                    problems.append(f"{label} : le montant décidé est inférieur au montant à reverser.")
                    continue
                row.decided_amount = decided
                if row.status in (S.REQUESTED, S.REJECTED, S.DECIDED):
                    target = S.DECIDED if decided > 0 else S.REJECTED
                    if decided == 0:
                        row.decided_amount = ZERO
                    if target != row.status:
                        transitions[row.pk] = _move(
                            row, target, by=by, comment=f"Montant décidé : {format_euros(decided)}."
                        )
            new_decided[row.pk] = row
        for env_id, envelope in envelopes.items():
            mine = [row for row in new_decided.values() if row.envelope_id == env_id]
            if not mine:
                continue
            others = _decided_on(env_id, exclude_ids=[row.pk for row in mine])
            asked = sum((row.decided_amount for row in mine if row.status in DECIDED_STATUSES), ZERO)
            if others + asked > envelope.amount:
                problems.append(_overrun_message(envelope, envelope.amount - others, asked))
        if problems:
            raise FundingError("Aucun montant n'a été enregistré.", problems)
        for row in locked.values():
            _save_line(row, by, transitions.get(row.pk))
        refresh_envelope_totals(envelopes)
    for line, _, _ in changes:
        _refresh(line, locked[line.pk], LINE_FIELDS)
    return [line for line, _, _ in changes]


@serialised
def record_legal_act(line, *, act_type, reference, date, by):
    """Record the legal act (arrêté, convention, délibération, CA vote) of a decided line:
    the money is then committed (engagement juridique, transition ``commit``). On a line
    already committed, corrects the act."""
    if act_type not in FundingLine.LegalActType.values:
        raise FundingError("Choisissez le type d'acte juridique.")
    with transaction.atomic():
        locked = _lock_line_and_envelope(line)
        _check_role(by, locked.action.cite, MANAGERS, TRANSITIONS["commit"].label)
        if locked.status not in DECIDED_STATUSES:
            raise FundingError(
                "Un acte juridique s'enregistre sur une ligne décidée "
                f"(statut actuel : « {locked.get_status_display()} »)."
            )
        locked.legal_act_type = act_type
        locked.legal_act_reference = reference or ""
        locked.legal_act_date = date
        transition = None
        if locked.status == S.DECIDED:
            act = FundingLine.LegalActType(act_type).label
            transition = _move(
                locked,
                S.COMMITTED,
                by=by,
                comment=" ".join(filter(None, [act, reference, f"du {format_date_fr(date)}" if date else ""])) + ".",
            )
        _save_line(locked, by, transition)
        refresh_envelope_totals([locked.envelope_id])
    _refresh(line, locked, LINE_FIELDS)
    return line


@serialised
def record_payment(line, *, kind, amount, date, reference="", by):
    """Record a payment on a committed line (or a justified one: the balance often
    follows the bilan). Payments never exceed the decided amount; when they reach it, a
    committed line becomes « versé » (transition ``pay``)."""
    amount = _check_amount(amount, "montant du versement")
    if amount is None or amount <= 0:
        raise FundingError("Le montant d'un versement doit être positif.")
    if kind not in Payment.Kind.values:
        raise FundingError("Choisissez la nature du versement.")
    with transaction.atomic():
        locked = _lock_line_and_envelope(line)
        _check_role(by, locked.action.cite, MANAGERS, TRANSITIONS["pay"].label)
        if locked.status not in (S.COMMITTED, S.PAID, S.JUSTIFIED):
            raise FundingError(
                "Un versement s'enregistre sur une ligne engagée (acte juridique enregistré) ; "
                f"statut actuel : « {locked.get_status_display()} »."
            )
        already = _paid_on([locked.pk]).get(locked.pk, ZERO)
        if already + amount > locked.decided_amount:
            raise FundingError(
                f"Versement refusé : {format_euros(already)} déjà versés sur {format_euros(locked.decided_amount)} "
                f"décidés ; il reste {format_euros(locked.decided_amount - already)} à verser, "
                f"{format_euros(amount)} demandés."
            )
        payment = Payment(line=locked, kind=kind, amount=amount, date=date, reference=reference or "")
        _with_author(payment, by).save()
        if already + amount == locked.decided_amount and locked.status == S.COMMITTED:
            transition = _move(
                locked,
                S.PAID,
                by=by,
                comment=f"{payment.get_kind_display()} de {format_euros(amount)} : "
                f"{format_euros(locked.decided_amount)} versés sur {format_euros(locked.decided_amount)} décidés.",
            )
            _save_line(locked, by, transition)
        refresh_envelope_totals([locked.envelope_id])
    _refresh(line, locked, LINE_FIELDS)
    return payment


@serialised
def change_status(line, status, *, by, amount_to_recover=None, comment=""):
    """Move a line along a transition of the « Changer le statut » form: justified (the
    bilan is accepted), to recover (the bilan shows less spent than paid:
    ``amount_to_recover`` ≤ paid), waived recovery (back to justified, with a reason),
    cancelled (releases the envelope; impossible once money was paid), rejected, or back
    to requested. Decisions, legal acts, payments and recoveries have their own services."""
    with transaction.atomic():
        locked = _lock_line_and_envelope(line)
        _check_role(by, locked.action.cite, MANAGERS, "Changer le statut")
        name = rule_for(locked.status, status)
        if name is not None and not TRANSITIONS[name].on_status_form:
            raise FundingError(
                f"« {TRANSITIONS[name].label} » ne se fait pas par un simple changement de statut : "
                "utilisez l'écran prévu sur la page de la ligne."
            )
        paid = _paid_on([locked.pk]).get(locked.pk, ZERO)
        if name is not None:
            if status == S.CANCELLED and paid:
                raise FundingError(
                    f"{format_euros(paid)} ont déjà été versés : la ligne ne peut pas être annulée ; "
                    "passez-la « à reverser »."
                )
            if status == S.TO_RECOVER:
                amount = _check_amount(amount_to_recover, "montant à reverser")
                if not amount:
                    raise FundingError("Indiquez le montant à reverser.")
                if amount > paid:
                    raise FundingError(
                        f"Le montant à reverser ({format_euros(amount)}) ne peut pas dépasser les versements "
                        f"effectués ({format_euros(paid)})."
                    )
                locked.amount_to_recover = amount
                comment = comment or f"Montant à reverser : {format_euros(amount)}."
            if name == "waive":
                locked.amount_to_recover = ZERO  # nothing is owed any more
            if status in (S.REJECTED, S.REQUESTED):
                locked.decided_amount = None
        transition = _move(locked, status, by=by, comment=comment)
        if comment:
            locked.comment = comment
        _save_line(locked, by, transition)
        # Cancelled: the decided amount goes back to the envelope. Justified, to recover and
        # recovered keep drawing on it (the amount to recover is not a negative payment).
        refresh_envelope_totals([locked.envelope_id])
    _refresh(line, locked, LINE_FIELDS)
    return line


@serialised
def record_recovery(line, *, amount=None, date, reference, by, comment=""):
    """The porteur gave back the amount to recover (the titre de recette is paid): a line
    « à reverser » becomes « reversé » (transition ``recover``). ``amount``, when given,
    must be the amount to recover (no partial recovery). The line keeps drawing on its
    envelope: the recovered amount is a figure of its own, not a negative payment."""
    amount = _check_amount(amount, "montant reversé")
    reference = (reference or "").strip()
    if not reference:
        raise FundingError("Indiquez la référence du titre de recette.")
    if date is None:
        raise FundingError("Indiquez la date du reversement.")
    if date > timezone.localdate():
        raise FundingError("La date du reversement ne peut pas être dans le futur.")
    with transaction.atomic():
        locked = _lock_line_and_envelope(line)
        rule = TRANSITIONS["recover"]
        _check_role(by, locked.action.cite, rule.roles, rule.label)
        if locked.status != S.TO_RECOVER:
            raise FundingError(
                "Un reversement s'enregistre sur une ligne « À reverser » "
                f"(statut actuel : « {locked.get_status_display()} »)."
            )
        due = locked.amount_to_recover
        if amount is not None and amount != due:
            raise FundingError(
                f"Le montant reversé ({format_euros(amount)}) doit être le montant à reverser ({format_euros(due)}) : "
                "un reversement partiel ne clôt pas la ligne."
            )
        locked.recovery_date = date
        locked.recovery_reference = reference
        why = f"Titre de recette {reference} : {format_euros(due)} reversés le {format_date_fr(date)}."
        transition = _move(locked, S.RECOVERED, by=by, comment=" ".join(filter(None, [why, (comment or "").strip()])))
        _save_line(locked, by, transition)
        refresh_envelope_totals([locked.envelope_id])
    _refresh(line, locked, LINE_FIELDS)
    return line


@serialised
def update_line(line, *, by, proposed=UNSET, decided=UNSET, envelope=UNSET, external_reference=UNSET):
    """The line form: envelope, amounts and external reference in one transaction."""
    with transaction.atomic():
        if envelope is not UNSET and (envelope.pk if envelope else None) != line.envelope_id:
            set_envelope(line, envelope, by=by)
        if proposed is not UNSET or decided is not UNSET:
            set_amounts(line, proposed=proposed, decided=decided, by=by)
        if external_reference is not UNSET and external_reference != line.external_reference:
            locked = _lock_lines([line.pk])[line.pk]
            _check_role(by, locked.action.cite, MANAGERS, "Modifier la ligne")
            locked.external_reference = external_reference
            _save_line(locked, by)
            _refresh(line, locked, LINE_FIELDS)
    return line
