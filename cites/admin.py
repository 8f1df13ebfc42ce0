from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Amendment,
    Cite,
    Commune,
    Convention,
    ConventionCommitment,
    LocalAxis,
    Organisation,
    PriorityArea,
    School,
    Signatory,
)


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code", "departement"]
    search_fields = ["name", "insee_code"]
    list_filter = ["departement"]


@admin.register(PriorityArea)
class PriorityAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    filter_horizontal = ["communes"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "uai", "kind", "education_priority", "commune"]
    search_fields = ["name", "uai"]
    list_filter = ["kind", "education_priority"]
    autocomplete_fields = ["commune"]
    list_select_related = ["commune"]


class LocalAxisInline(admin.TabularInline):
    model = LocalAxis
    extra = 0
    fk_name = "cite"


@admin.register(Cite)
class CiteAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "departement", "label_year", "status"]
    search_fields = ["name", "code"]
    list_filter = ["status", "departement", "label_year"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["lead_school", "renewal_of", "communes", "priority_areas", "schools"]
    inlines = [LocalAxisInline]


@admin.register(LocalAxis)
class LocalAxisAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "cite", "national_objective"]
    list_filter = ["national_objective", "cite"]
    search_fields = ["title", "code"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "rna", "is_funder"]
    search_fields = ["name", "siret", "rna"]
    list_filter = ["kind", "is_funder"]
    filter_horizontal = ["cites"]


class StoredDocument:
    """The signed document shown by its stored name, read-only: the admin never links the
    storage's URL (on S3 a signed URL past the checks); it is downloaded, and replaced,
    through the convention pages, which check the scope."""

    exclude = ["document"]
    readonly_fields = ["stored_document"]

    @admin.display(description="document signé (PDF)")
    def stored_document(self, obj):
        return obj.document.name or "—"


class AmendmentInline(StoredDocument, admin.TabularInline):
    model = Amendment
    extra = 0


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0
    autocomplete_fields = ["organisation"]


class CommitmentInline(admin.TabularInline):
    model = ConventionCommitment
    extra = 0
    autocomplete_fields = ["funder"]


@admin.register(Convention)
class ConventionAdmin(StoredDocument, SimpleHistoryAdmin):
    list_display = ["title", "cite", "kind", "status", "signed_on", "start_date", "end_date"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "cite__name"]
    list_select_related = ["cite"]
    inlines = [SignatoryInline, CommitmentInline, AmendmentInline]


@admin.register(ConventionCommitment)
class ConventionCommitmentAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "funder", "year", "amount"]
    list_filter = ["year"]
    list_select_related = ["convention", "funder"]
