"""Envelopes: saving one, finding a line's, moving a line to another."""

from django.db import transaction

from core.db import serialised
from core.formatting import format_euros
from financements.models import Envelope

from .errors import FundingError, check_amount, overrun_message
from .rows import (
    copy_fields,
    decided_on,
    lock_envelopes,
    lock_lines,
    refresh_envelope_totals,
    save_line,
    with_author,
)
from .transitions import MANAGERS, check_role


@serialised
def save_envelope(envelope, *, by):
    """Create or update an envelope. Its amount cannot go below what is already decided
    on it, and its funder, cité or year cannot change once lines draw on it."""
    check_role(by, envelope.cite, MANAGERS, "Enregistrer l'enveloppe")
    check_amount(envelope.amount, "montant de l'enveloppe")
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
            decided = decided_on(envelope.pk)
            if envelope.amount < decided:
                raise FundingError(
                    f"Le montant de l'enveloppe ne peut pas être inférieur aux montants déjà décidés "
                    f"({format_euros(decided)})."
                )
        with_author(envelope, by).save()
        refresh_envelope_totals([envelope.pk])
    return envelope


def find_envelope(cite, year, funder_id):
    """The envelope of this funder for the cité and year, when there is exactly one."""
    envelopes = list(Envelope.objects.filter(cite=cite, year=year, funder_id=funder_id)[:2])
    return envelopes[0] if len(envelopes) == 1 else None


@serialised
def set_envelope(line, envelope, *, by):
    """Attach a line to another envelope (or to none). The funder must match, the cité
    and year must be the action's, and a decided amount must fit in the new envelope."""
    with transaction.atomic():
        ids = {line.envelope_id, envelope.pk if envelope else None} - {None}
        envelopes = lock_envelopes(ids)
        locked = lock_lines([line.pk])[line.pk]
        check_role(by, locked.action.cite, MANAGERS, "Changer d'enveloppe")
        target = envelopes.get(envelope.pk) if envelope else None
        if target is not None:
            _check_envelope_matches(locked, target)
            if locked.counts_on_envelope:
                available = target.amount - decided_on(target.pk, exclude_ids=[locked.pk])
                if locked.decided_amount > available:
                    raise FundingError(overrun_message(target, available, locked.decided_amount))
        locked.envelope = target
        save_line(locked, by)
        refresh_envelope_totals(ids)
    copy_fields(line, locked)
    line.envelope = target
    return line


def _check_envelope_matches(line, envelope):
    if envelope.funder_id != line.funder_id:
        raise FundingError(
            f"Le financeur de la ligne ({line.funder}) n'est pas celui de l'enveloppe ({envelope.funder})."
        )
    if envelope.cite_id != line.action.cite_id or envelope.year != line.action.year:
        raise FundingError("L'enveloppe doit être celle de la cité et de l'année de l'action.")
