"""The change history of envelopes, lines and payments: who, when, before → after.

History rows come from django-simple-history. Diffs are computed in Python between
consecutive rows already loaded (no ``prev_record`` query per row), and foreign keys are
shown by name with one query per related model.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db import models

from core.formatting import format_date_fr, format_euros

HISTORY_PAGE_SIZE = 20
HIDDEN_FIELDS = {"id", "created_at", "updated_at"}
KINDS = {"+": "Création", "~": "Modification", "-": "Suppression"}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    when: object
    who: str
    kind: str
    subject: str
    changes: list = field(default_factory=list)


def _display(model_field, value, names):
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return names.get((model_field.related_model, value), f"n° {value}")
    if isinstance(value, Decimal):
        return format_euros(value)
    if isinstance(value, date):
        return format_date_fr(value)
    return str(value)


def history_entries(*histories, subject=None):
    """Entries of one or more history querysets, most recent first.

    ``subject(record)`` names the object a row is about (useful when payments and their
    line share one timeline); by default none, since ``str(record)`` builds the historical
    object and reads its related rows (the envelope's funder): one query per row.

    The queries are one per history plus one per related model, whatever the rows: the
    diffs need each record's predecessor, so the whole history of the objects is read (one
    query) and the page shows :func:`history_page`."""
    records = []
    for history in histories:
        records.extend(history.select_related("history_user").order_by("history_date", "history_id"))
    model_fields = {}
    wanted = {}
    for record in records:
        model = record.instance_type
        fields = model_fields.setdefault(
            model,
            [
                f
                for f in model._meta.concrete_fields
                # not the fields the history leaves out (the envelopes' maintained totals)
                if f.name not in HIDDEN_FIELDS and hasattr(record, f.attname)
            ],
        )
        for model_field in fields:
            if isinstance(model_field, models.ForeignKey):
                value = getattr(record, model_field.attname)
                if value is not None:
                    wanted.setdefault(model_field.related_model, set()).add(value)
    names = {}
    for related_model, ids in wanted.items():
        for obj in related_model._default_manager.filter(pk__in=ids):
            names[(related_model, obj.pk)] = str(obj)

    previous = {}
    entries = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        model = record.instance_type
        key = (model, record.id)
        before = previous.get(key)
        changes = []
        for model_field in model_fields[model]:
            new = getattr(record, model_field.attname)
            old = getattr(before, model_field.attname) if before is not None else None
            if before is None and record.history_type == "+":
                if new in (None, ""):
                    continue
            elif new == old:
                continue
            changes.append(
                Change(
                    label=str(model_field.verbose_name),
                    before="—" if before is None else _display(model_field, old, names),
                    after=_display(model_field, new, names),
                )
            )
        previous[key] = record
        user = record.history_user
        entries.append(
            Entry(
                when=record.history_date,
                who=(user.full_name or user.email) if user else "le système",
                kind=KINDS.get(record.history_type, record.history_type),
                subject=subject(record) if subject else "",
                changes=changes,
            )
        )
    entries.reverse()
    return entries


def history_page(request, *histories, subject=None):
    """The page (``?page=``) of the entries, :data:`HISTORY_PAGE_SIZE` at a time, most
    recent first; an invalid page number gives the nearest page."""
    return Paginator(history_entries(*histories, subject=subject), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
