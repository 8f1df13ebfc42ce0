"""Admin for the money. Edits made here bypass the envelope and payment checks of
``services.py``: the admin is for the national team's corrections, with history kept."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Envelope, FundingLine, Payment


@admin.register(Envelope)
class EnvelopeAdmin(SimpleHistoryAdmin):
    list_display = ["cite", "funder", "programme", "year", "amount"]
    list_filter = ["programme", "year"]
    search_fields = ["cite__name", "funder__name", "legal_reference"]
    list_select_related = ["cite", "funder"]
    autocomplete_fields = ["cite", "funder"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0


@admin.register(FundingLine)
class FundingLineAdmin(SimpleHistoryAdmin):
    list_display = ["action", "funder", "requested_amount", "proposed_amount", "decided_amount", "status"]
    list_filter = ["status", "legal_act_type"]
    search_fields = ["action__title", "action__reference", "funder__name", "external_reference"]
    list_select_related = ["action", "funder"]
    raw_id_fields = ["action", "envelope", "budget_line"]
    autocomplete_fields = ["funder"]
    inlines = [PaymentInline]


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = ["line", "kind", "amount", "date", "reference"]
    list_filter = ["kind"]
    search_fields = ["reference", "line__action__title"]
    list_select_related = ["line__action", "line__funder"]
    raw_id_fields = ["line"]
