"""Helpers shared by the steering pages: scoped fetches (404 outside the scope, 403 for
the wrong role), breadcrumbs, the answer to a report request."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cites.models import Cite
from pilotage import permissions
from pilotage.models import Meeting

PAGE_SIZE = 25


def _cite_or_404(request, cite_pk):
    return get_object_or_404(Cite.objects.visible_to(request.user), pk=cite_pk)


def _crumbs(cite=None, *extra):
    crumbs = [("Pilotage", reverse("pilotage:index"))]
    if cite is not None:
        crumbs.append((cite.name, reverse("pilotage:cite", args=[cite.pk])))
    return [*crumbs, *extra]


def _reports(queryset):
    return queryset.select_related("cite", "meeting", "action", "requested_by")


# --- Meetings ----------------------------------------------------------------------------
def _meeting_or_404(request, pk):
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related(
            "cite", "decisions_recorded_by", "decisions_validated_by"
        ),
        pk=pk,
    )


def _managed_meeting(request, pk):
    meeting = _meeting_or_404(request, pk)
    if not permissions.can_manage_meetings(request.user, meeting.cite):
        raise PermissionDenied("Seule la coordination de la cité gère ses réunions.")
    return meeting


def _meeting_crumbs(meeting):
    return _crumbs(
        None,
        (meeting.cite.name, reverse("pilotage:meeting_list", args=[meeting.cite_id])),
        (meeting.title, meeting.get_absolute_url()),
    )


def _report_created(request, report, fallback_url):
    if request.htmx:
        return render(request, "pilotage/includes/_report_row.html", {"report": report}, status=201)
    messages.success(request, "La génération du rapport est lancée : il apparaît ci-dessous dès qu'il est prêt.")
    return redirect(fallback_url)
