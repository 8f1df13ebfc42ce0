"""Back-office of the steering: meetings (with their agenda, attendees and documents) and
the generated reports.

Files are never linked by URL here either (``MEDIA_URL`` is not routed): a report's or a
document's file is shown as its stored name, read-only; downloads go through the
permission-checked views of :mod:`pilotage.views`.
"""

from django.contrib import admin

from .models import AgendaItem, Attendee, Meeting, MeetingDocument, ProgrammingDecision, Report


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["order", "title", "action", "decision", "decision_comment"]
    raw_id_fields = ["action"]


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    fields = ["name", "organisation_name", "category", "presence"]


class MeetingDocumentFile:
    """A meeting document's file, read-only and shown by its stored name, in the inline
    and on its own page alike."""

    FILE_FIELDS = ["original_name", "stored_file", "content_type", "size", "uploaded_by", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the meeting page (content checked there)

    @admin.display(description="fichier enregistré")
    def stored_file(self, document):
        return document.file.name


class MeetingDocumentInline(MeetingDocumentFile, admin.TabularInline):
    model = MeetingDocument
    extra = 0
    can_delete = True
    fields = ["title", *MeetingDocumentFile.FILE_FIELDS]
    readonly_fields = MeetingDocumentFile.FILE_FIELDS


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "cite", "kind", "starts_at", "place", "decisions_recorded_at", "decisions_validated_at"]
    list_filter = ["kind", "cite"]
    search_fields = ["title", "place", "chair"]
    list_select_related = ["cite"]
    date_hierarchy = "starts_at"
    readonly_fields = [
        "decisions_recorded_at",
        "decisions_recorded_by",
        "decisions_validated_at",
        "decisions_validated_by",
        "created_at",
        "updated_at",
    ]
    inlines = [AgendaItemInline, AttendeeInline, MeetingDocumentInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "order", "action", "decision"]
    list_filter = ["decision", "meeting__cite"]
    search_fields = ["title", "meeting__title", "action__reference"]
    list_select_related = ["meeting", "action"]
    raw_id_fields = ["meeting", "action"]


@admin.register(ProgrammingDecision)
class ProgrammingDecisionAdmin(admin.ModelAdmin):
    """Read-only: a programming decision moves an action and its money, so it is recorded
    only through the decision screens (pilotage.services)."""

    list_display = ["__str__", "decided_on", "recorded_by", "created_at"]
    list_filter = ["action__cite"]
    search_fields = ["action__reference", "action__title", "reason"]
    list_select_related = ["action", "meeting", "recorded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attendee)
class AttendeeAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation_name", "category", "presence", "meeting"]
    list_filter = ["category", "presence", "meeting__cite"]
    search_fields = ["name", "organisation_name", "meeting__title"]
    list_select_related = ["meeting"]
    raw_id_fields = ["meeting"]


@admin.register(MeetingDocument)
class MeetingDocumentAdmin(MeetingDocumentFile, admin.ModelAdmin):
    list_display = ["title", "meeting", "original_name", "content_type", "size", "created_at"]
    list_filter = ["meeting__cite"]
    search_fields = ["title", "original_name", "meeting__title"]
    list_select_related = ["meeting"]
    fields = ["meeting", "title", *MeetingDocumentFile.FILE_FIELDS]
    readonly_fields = ["meeting", *MeetingDocumentFile.FILE_FIELDS]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are produced by the Celery task: everything about the file is read-only."""

    list_display = ["__str__", "kind", "cite", "year", "version", "status", "progress", "page_count", "created_at"]
    list_filter = ["kind", "status", "year", "cite"]
    search_fields = ["cite__name", "meeting__title", "action__reference", "error"]
    list_select_related = ["cite", "meeting", "action"]
    raw_id_fields = ["meeting", "action", "requested_by"]
    fields = [
        "kind",
        "cite",
        "year",
        "meeting",
        "action",
        "version",
        "status",
        "progress",
        "stored_file",
        "size",
        "page_count",
        "error",
        "requested_by",
        "started_at",
        "finished_at",
        "dispatched_at",
        "task_id",
        "attempts",
        "cancelled_by",
        "created_at",
        "updated_at",
    ]
    # The state and its error message stay editable; everything else is the task's.
    readonly_fields = [name for name in fields if name not in ("status", "error")]

    def has_add_permission(self, request):
        return False  # a report is requested from the portal, then generated by Celery

    @admin.display(description="fichier")
    def stored_file(self, report):
        return report.file.name or "—"
