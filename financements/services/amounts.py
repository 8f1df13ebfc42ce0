"""Proposed and decided amounts, one line or many at once (the amounts screen, the
programming table, COPIL decisions): all or nothing, within the envelopes."""

from decimal import Decimal

from django.db import transaction

from core.db import serialised
from core.formatting import format_euros
from financements.models import COMMITTED_STATUSES, DECIDED_STATUSES, ZERO, FundingLine

from .errors import FundingError, check_amount, overrun_message
from .rows import (
    UNSET,
    copy_fields,
    decided_on,
    lock_envelopes,
    lock_lines,
    paid_on,
    refresh_envelope_totals,
    save_line,
)
from .transitions import MANAGERS, S, check_role, move

NOTHING_SAVED = "Aucun montant n'a été enregistré."


class _Refused(Exception):
    """One line's change cannot be applied: listed with the other lines' problems."""


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
    _check_typed_amounts(changes)
    line_ids = [line.pk for line, _, _ in changes]
    with transaction.atomic():
        envelopes, locked = _lock_for_amounts(line_ids, by)
        changed, transitions, problems = _apply_changes(changes, envelopes, locked, by=by)
        problems += _envelope_overruns(envelopes, changed)
        if problems:
            raise FundingError(NOTHING_SAVED, problems)
        for row in locked.values():
            save_line(row, by, transitions.get(row.pk))
        refresh_envelope_totals(envelopes)
    for line, _, _ in changes:
        copy_fields(line, locked[line.pk])
    return [line for line, _, _ in changes]


def _check_typed_amounts(changes):
    """Refuse negative amounts and fractions of cents before anything is locked."""
    problems = []
    for line, proposed, decided in changes:
        for value, label in ((proposed, "montant proposé"), (decided, "montant décidé")):
            if value is not UNSET and value is not None:
                try:
                    check_amount(value, label)
                except FundingError as error:
                    problems.append(f"{line.action} – {line.funder} : {error.message}")
    if problems:
        raise FundingError(NOTHING_SAVED, problems)


def _lock_for_amounts(line_ids, by):
    """Lock the lines' envelopes (read without lock to know which), then the lines, and
    check that ``by`` manages every one of them."""
    current_envelopes = FundingLine.objects.filter(pk__in=line_ids).values_list("envelope_id", flat=True)
    envelopes = lock_envelopes({env_id for env_id in current_envelopes if env_id})
    locked = lock_lines(line_ids)
    for row in locked.values():
        check_role(by, row.action.cite, MANAGERS, "Saisir les montants")
    return envelopes, locked


def _apply_changes(changes, envelopes, locked, *, by):
    """Apply the changes to the locked rows (nothing saved). Returns the rows that may
    draw on an envelope now, the transitions to record, and the problems found."""
    paid = paid_on([line.pk for line, _, _ in changes])
    changed, transitions, problems = {}, {}, []
    for line, proposed, decided in changes:
        row = locked[line.pk]
        if row.envelope_id and row.envelope_id not in envelopes:  # moved since we read it
            raise FundingError("Une ligne a changé d'enveloppe pendant l'opération : recommencez.")
        if proposed is not UNSET:
            row.proposed_amount = None if proposed is None else Decimal(proposed)
        if decided is not UNSET:
            try:
                transition = _apply_decided(row, decided, paid.get(row.pk, ZERO), by=by)
            except _Refused as refused:
                problems.append(f"{row.action} – {row.funder} : {refused}")
                continue
            if transition is not None:
                transitions[row.pk] = transition
        changed[row.pk] = row
    return changed, transitions, problems


def _apply_decided(row, decided, already_paid, *, by):
    """Set (or clear, with ``None``) the decided amount of a locked row and move it along
    the transition that follows; returns that unsaved transition, if any."""
    if row.status == S.CANCELLED:
        raise _Refused("la ligne est annulée, son montant ne peut plus être décidé.")
    if decided is None:
        if row.status in COMMITTED_STATUSES:
            raise _Refused("la ligne est engagée, sa décision ne peut pas être effacée.")
        row.decided_amount = None
        if row.status != S.REQUESTED:
            return move(row, S.REQUESTED, by=by, comment="Décision effacée.")
        return None
    decided = Decimal(decided)
    if decided < already_paid:
        raise _Refused(
            f"le montant décidé ({format_euros(decided)}) ne peut pas être inférieur "
            f"aux versements déjà effectués ({format_euros(already_paid)})."
        )
    if decided < row.amount_to_recover:
        raise _Refused("le montant décidé est inférieur au montant à reverser.")
    row.decided_amount = decided
    if row.status in (S.REQUESTED, S.REJECTED, S.DECIDED):
        target = S.DECIDED if decided > 0 else S.REJECTED
        if decided == 0:
            row.decided_amount = ZERO
        if target != row.status:
            return move(row, target, by=by, comment=f"Montant décidé : {format_euros(decided)}.")
    return None


def _envelope_overruns(envelopes, changed):
    """One problem per locked envelope whose decided total would pass its amount."""
    problems = []
    for env_id, envelope in envelopes.items():
        mine = [row for row in changed.values() if row.envelope_id == env_id]
        if not mine:
            continue
        others = decided_on(env_id, exclude_ids=[row.pk for row in mine])
        asked = sum((row.decided_amount for row in mine if row.status in DECIDED_STATUSES), ZERO)
        if others + asked > envelope.amount:
            problems.append(overrun_message(envelope, envelope.amount - others, asked))
    return problems
