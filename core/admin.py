"""The e-mails in the admin: django-post-office's page, with French columns, the
number of attempts and the last error on the list, and a requeue that starts over."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from post_office.admin import EmailAdmin
from post_office.models import STATUS, Email, Log


class MailAdmin(EmailAdmin):
    list_display = ["pk", "to_display", "shortened_subject", "status", "attempts", "updated", "next_try", "last_error"]
    actions = ["requeue"]

    def get_queryset(self, request):
        last_failure = Log.objects.filter(email=OuterRef("pk"), status=STATUS.failed).order_by("-id")
        return super().get_queryset(request).annotate(last_failure=Subquery(last_failure.values("message")[:1]))

    @admin.display(description="nouveaux essais", ordering="number_of_retries")
    def attempts(self, email):
        return email.number_of_retries or 0

    @admin.display(description="modifié le", ordering="last_updated")
    def updated(self, email):
        return email.last_updated

    @admin.display(description="envoi prévu le", ordering="scheduled_time")
    def next_try(self, email):
        return email.scheduled_time

    @admin.display(description="dernière erreur")
    def last_error(self, email):
        return email.last_failure or ""

    @admin.action(description="Remettre en file les e-mails sélectionnés (avec tous leurs essais)")
    def requeue(self, request, queryset):
        count = queryset.update(status=STATUS.queued, scheduled_time=None, number_of_retries=0)
        self.message_user(request, f"{count} e-mail(s) remis en file : ils partiront dans la minute.")


admin.site.unregister(Email)
admin.site.register(Email, MailAdmin)
