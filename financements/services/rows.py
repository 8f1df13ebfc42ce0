"""Locking, reading and saving the rows the money invariants depend on, and the totals
kept on each envelope (:func:`refresh_envelope_totals`)."""

from financements import ledger
from financements.models import Envelope, FundingLine

from .errors import FundingError

UNSET = object()

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


def with_author(obj, by):
    """Name the author in the history row written by the next save()."""
    if by is not None:
        obj._history_user = by
    return obj


def save_line(row, by, transition=None):
    with_author(row, by).save()
    if transition is not None:
        transition.save()


def copy_fields(target, source, fields=LINE_FIELDS):
    """Give the caller's object the values of the row saved under the locks."""
    for field in fields:
        setattr(target, field, getattr(source, field))


def decided_on(envelope_id, exclude_ids=()):
    """The decided money drawn on an envelope, read now (call it under the lock)."""
    return ledger.decided_total(FundingLine.objects.filter(envelope_id=envelope_id).exclude(pk__in=exclude_ids))


def paid_on(line_ids):
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
    return envelopes.update(**ledger.envelope_totals())


def lock_envelopes(ids):
    return {env.pk: env for env in Envelope.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def lock_lines(ids):
    # Only the line rows are locked (``of``): the joined action, cité and funder are read.
    lines = FundingLine.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    return {line.pk: line for line in lines.select_related("action__cite", "funder")}


def lock_line_and_envelope(line):
    """Lock one line's envelope (first, as everywhere) then the line; returns the line.
    Used by the operations that change the envelope's totals."""
    envelope_id = FundingLine.objects.filter(pk=line.pk).values_list("envelope_id", flat=True).first()
    lock_envelopes({envelope_id} - {None})
    locked = lock_lines([line.pk])[line.pk]
    if locked.envelope_id != envelope_id:  # moved between the read and the lock
        raise FundingError("La ligne a changé d'enveloppe pendant l'opération : recommencez.")
    return locked
