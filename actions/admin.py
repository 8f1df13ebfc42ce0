from django.contrib import admin

from .models import (
    Action,
    BeneficiaryCount,
    Bilan,
    BudgetLine,
    Call,
    Indicator,
    Message,
    Note,
    Opinion,
    ReferenceCounter,
    Transition,
)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "cite", "year", "opens_at", "closes_at", "envelope", "is_published"]
    list_filter = ["year", "is_published", "cite"]
    search_fields = ["title"]
    filter_horizontal = ["axes"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    autocomplete_fields = ["funder"]


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "comment", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "cite", "porteur", "year", "status"]
    list_filter = ["status", "year", "cite"]
    search_fields = ["reference", "title", "porteur__name"]
    list_select_related = ["cite", "porteur"]
    readonly_fields = ["reference", "status", "version", "submitted_at"]
    autocomplete_fields = ["porteur", "partners"]
    raw_id_fields = ["call", "local_axis", "created_by"]
    filter_horizontal = ["priority_areas", "schools"]
    inlines = [IndicatorInline, BudgetLineInline, TransitionInline]


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    list_display = ["action", "author", "verdict", "created_at"]
    list_select_related = ["action", "author"]
    raw_id_fields = ["action", "author"]


@admin.register(Note, Message)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["action", "author", "created_at"]
    list_select_related = ["action", "author"]
    raw_id_fields = ["action", "author"]


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ["cite", "year", "last_number"]


class BeneficiaryCountInline(admin.TabularInline):
    model = BeneficiaryCount
    extra = 0


@admin.register(Bilan)
class BilanAdmin(admin.ModelAdmin):
    list_display = ["action", "submitted_at", "submitted_by"]
    search_fields = ["action__title", "action__reference"]
    raw_id_fields = ["action"]
    readonly_fields = ["submitted_at", "submitted_by"]
    inlines = [BeneficiaryCountInline]
