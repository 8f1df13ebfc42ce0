"""Admin for the money. Edits made here bypass the envelope and payment checks of
``services.py``: the admin is for the national team's corrections, with history kept. The
envelopes' maintained totals are recomputed after each change of a line or a payment
(an edit that would make an envelope's payments exceed its decided amounts is refused by
the database)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Envelope, FundingLine, LineTransition, Payment


class HistoryRelationsMixin:
    """The admin's history list names each row by ``str(record.history_object)``: an object
    rebuilt from the record, whose ``__str__`` reads its funder (and action) — one query
    per row. The records come with those rows already joined
    (``get_history_queryset`` selects the tracked foreign keys): hand them to the rebuilt
    objects, so the page runs the same queries whatever its rows."""

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        for record in historical_records:
            instance = record.history_object  # a new object at each access: keep this one
            relations = {field.name: field for field in instance._meta.concrete_fields if field.is_relation}
            for name, related in record._state.fields_cache.items():
                if name in relations:
                    relations[name].set_cached_value(instance, related)
            record.history_object = instance
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)


class RefreshTotalsMixin:
    """Recompute the totals of the envelopes a line or payment was and is drawn on.

    The admin class using it defines ``_envelope_ids(obj)``: the envelopes ``obj`` draws on."""

    def _before(self, obj):
        if obj.pk is None:
            return set()
        previous = type(obj).objects.filter(pk=obj.pk).first()
        return self._envelope_ids(previous) if previous else set()

    def save_model(self, request, obj, form, change):
        before = self._before(obj)  # kept on the object: the ModelAdmin is shared by requests
        super().save_model(request, obj, form, change)
        obj._envelopes_before = before

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # payment inlines
        obj = form.instance
        services.refresh_envelope_totals(getattr(obj, "_envelopes_before", set()) | self._envelope_ids(obj))

    def delete_model(self, request, obj):
        touched = self._envelope_ids(obj)
        super().delete_model(request, obj)
        services.refresh_envelope_totals(touched)

    def delete_queryset(self, request, queryset):
        touched = set()
        for obj in queryset:
            touched |= self._envelope_ids(obj)
        super().delete_queryset(request, queryset)
        services.refresh_envelope_totals(touched)


@admin.register(Envelope)
class EnvelopeAdmin(HistoryRelationsMixin, SimpleHistoryAdmin):
    list_display = ["cite", "funder", "programme", "year", "amount"]
    list_filter = ["programme", "year"]
    search_fields = ["cite__name", "funder__name", "legal_reference"]
    list_select_related = ["cite", "funder"]
    autocomplete_fields = ["cite", "funder"]
    readonly_fields = ["stored_decided", "stored_paid"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0


class LineTransitionInline(admin.TabularInline):
    """The line's timeline, read-only: only the services write it."""

    model = LineTransition
    extra = 0
    fields = ["created_at", "from_status", "to_status", "actor", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FundingLine)
class FundingLineAdmin(HistoryRelationsMixin, RefreshTotalsMixin, SimpleHistoryAdmin):
    list_display = ["action", "funder", "requested_amount", "proposed_amount", "decided_amount", "status"]
    list_filter = ["status", "legal_act_type"]
    search_fields = ["action__title", "action__reference", "funder__name", "external_reference"]
    list_select_related = ["action", "funder"]
    raw_id_fields = ["action", "envelope", "budget_line"]
    autocomplete_fields = ["funder"]
    inlines = [PaymentInline, LineTransitionInline]

    def _envelope_ids(self, obj):
        return {obj.envelope_id} - {None}


@admin.register(Payment)
class PaymentAdmin(RefreshTotalsMixin, SimpleHistoryAdmin):
    list_display = ["line", "kind", "amount", "date", "reference"]
    list_filter = ["kind"]
    search_fields = ["reference", "line__action__title"]
    list_select_related = ["line__action", "line__funder"]
    raw_id_fields = ["line"]

    def _envelope_ids(self, obj):
        return {obj.line.envelope_id} - {None} if obj.line_id else set()
