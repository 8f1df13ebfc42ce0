"""Helpers shared by the steering pages: the querysets handed to
:func:`accounts.scope.get_visible_or_404` (404 outside the scope, 403 for the wrong role),
breadcrumbs, the answer to a report request."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from pilotage import services
from pilotage.models import Meeting

PAGE_SIZE = 25

# A meeting page's meeting with what its page shows (narrowed by visible_to at each fetch).
MEETINGS = Meeting.objects.select_related("cite", "decisions_recorded_by", "decisions_validated_by")


def _crumbs(cite=None, *extra):
    crumbs = [("Pilotage", reverse("pilotage:index"))]
    if cite is not None:
        crumbs.append((cite.name, reverse("pilotage:cite", args=[cite.pk])))
    return [*crumbs, *extra]


def _reports(queryset):
    return queryset.select_related("cite", "meeting", "action", "requested_by", "cancelled_by")


# --- Meetings ----------------------------------------------------------------------------
def _meeting_crumbs(meeting):
    return _crumbs(
        None,
        (meeting.cite.name, reverse("pilotage:meeting_list", args=[meeting.cite_id])),
        (meeting.title, meeting.get_absolute_url()),
    )


def _report_notice(request, message, fallback_url, *, error):
    """A French notice instead of a new report: a row above the list for htmx (shown, as
    htmx swaps only successful answers), a message on the page otherwise."""
    if request.htmx:
        return render(request, "pilotage/includes/_report_notice.html", {"message": message, "error": error})
    (messages.error if error else messages.info)(request, message)
    return redirect(fallback_url)


def _ask_report(request, fallback_url, kind, cite, year, **target):
    """Request the report for the user and answer: the new row; the identical report
    already on its way (no new version); or the rate limit's refusal."""
    try:
        report = services.request_report(kind, cite, year, request.user, **target)
    except services.ReportRequestRefused as refusal:
        return _report_notice(request, refusal.message, fallback_url, error=True)
    if report.already_pending:
        return _report_notice(request, services.ALREADY_PENDING, fallback_url, error=False)
    return _report_created(request, report, fallback_url)


def _report_created(request, report, fallback_url):
    if request.htmx:
        return render(request, "pilotage/includes/_report_row.html", {"report": report}, status=201)
    messages.success(
        request,
        "Votre demande est enregistrée, en file d'attente : le rapport apparaît ci-dessous dès qu'il est prêt, "
        "et vous recevrez un e-mail.",
    )
    return redirect(fallback_url)
