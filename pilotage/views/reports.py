"""The steering index and the PDF reports: list, generation, status polling, download,
and the action sheets (partners reach those of their own actions)."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.scope import get_visible_or_404
from actions.models import Action
from cites.models import Cite
from core.files import private_file_response
from core.lists import filtered_page
from core.permissions import ensure_allowed
from pilotage import forms, permissions, services
from pilotage.filters import ReportFilter
from pilotage.models import Meeting, Report

from .common import PAGE_SIZE, _ask_report, _crumbs, _reports


# --- Index -------------------------------------------------------------------------------
@require_GET
def index(request):
    scope = request.scope
    cites = (
        Cite.objects.visible_to(request.user).annotate(meetings_count=Count("meetings", distinct=True)).order_by("name")
    )
    own_actions = Action.objects.none()
    if scope.organisations:
        own_actions = (
            Action.objects.visible_to(request.user)
            .filter(porteur_id__in=scope.organisations)
            .exclude(status=Action.Status.DRAFT)
            .select_related("cite", "porteur")
            .order_by("-year", "reference", "id")
        )
    return render(
        request,
        "pilotage/index.html",
        {"cites": cites, "own_actions": own_actions, "page_title": "Pilotage", "breadcrumbs": []},
    )


@require_GET
def cite_overview(request, cite_pk):
    cite = get_visible_or_404(request, Cite, pk=cite_pk)
    return redirect("pilotage:report_list", cite_pk=cite.pk)


# --- Reports -----------------------------------------------------------------------------
def _report_form(request, cite, data=None):
    kinds = permissions.generable_kinds(request.user, cite)
    meetings = Meeting.objects.filter(cite=cite, kind=Meeting.Kind.COPIL).order_by("-starts_at")
    initial = {"year": timezone.localdate().year, "kind": kinds[0] if kinds else None}
    return forms.ReportRequestForm(data, kinds=kinds, meetings=meetings, initial=initial), kinds


def _report_list_page(request, cite, form, status=200):
    """The cité's reports (filtered by the query string) and the form to ask for one."""
    reports = _reports(Report.objects.visible_to(request.user).filter(cite=cite)).order_by("-created_at", "-id")
    filterset = ReportFilter(request.GET, queryset=reports, request=request)
    return render(
        request,
        "pilotage/report_list.html",
        {
            **filtered_page(request, filterset, PAGE_SIZE),
            "cite": cite,
            "form": form,
            "page_title": f"Rapports – {cite.name}",
            "breadcrumbs": _crumbs(),
        },
        status=status,
    )


@require_GET
def report_list(request, cite_pk):
    cite = get_visible_or_404(request, Cite, pk=cite_pk)
    form, kinds = _report_form(request, cite)
    return _report_list_page(request, cite, form if kinds else None)


@require_POST
def report_generate(request, cite_pk):
    cite = get_visible_or_404(request, Cite, pk=cite_pk)
    form, kinds = _report_form(request, cite, request.POST)
    ensure_allowed(
        kinds and not (request.POST.get("kind") in Report.Kind.values and request.POST["kind"] not in kinds),
        "Votre rôle ne permet pas de générer ce rapport pour cette cité.",
    )
    if not form.is_valid():
        if request.htmx:
            return render(request, "pilotage/includes/_report_form_errors.html", {"form": form}, status=422)
        # The list page again, with the form's errors (filterset and sort included).
        return _report_list_page(request, cite, form, status=422)
    data = form.cleaned_data
    meeting = data["meeting"] if data["kind"] in Report.MEETING_KINDS else None
    year = meeting.year if meeting else data["year"]
    return _ask_report(
        request, reverse("pilotage:report_list", args=[cite.pk]), data["kind"], cite, year, meeting=meeting
    )


@require_http_methods(["GET", "POST"])
def action_sheets(request, action_pk):
    """The PDF fiches of one action: partners reach this page for their own actions."""
    action = get_visible_or_404(request, Action.objects.select_related("cite", "porteur"), pk=action_pk)
    can_generate = permissions.can_generate_action_sheet(request.user, action)
    if request.method == "POST":
        ensure_allowed(can_generate, "Seuls le porteur et la coordination génèrent la fiche de cette action.")
        url = reverse("pilotage:action_sheets", args=[action.pk])
        return _ask_report(request, url, Report.Kind.ACTION_SHEET, action.cite, action.year, action=action)
    reports = _reports(Report.objects.visible_to(request.user).filter(action=action, kind=Report.Kind.ACTION_SHEET))
    return render(
        request,
        "pilotage/action_sheets.html",
        {
            "action": action,
            "reports": reports.order_by("-created_at", "-id"),
            "can_generate": can_generate,
            "page_title": f"Fiche action PDF – {action}",
            "breadcrumbs": [("Pilotage", reverse("pilotage:index"))],
        },
    )


@require_GET
def report_status(request, pk):
    """The report's row, polled by htmx until the report is done or failed."""
    report = get_visible_or_404(request, _reports(Report.objects), pk=pk)
    return render(request, "pilotage/includes/_report_row.html", {"report": report})


@require_POST
def report_cancel(request, pk):
    """Cancel a queued report (the row's button, confirmed in the browser)."""
    report = get_visible_or_404(request, _reports(Report.objects), pk=pk, allowed=permissions.can_cancel_report)
    try:
        services.cancel_report(report, by=request.user)
    except services.ReportError as error:
        refused = error.message
    else:
        refused = None
    if request.htmx:  # the row, in its current state (cancelled, or already running)
        report = get_visible_or_404(request, _reports(Report.objects), pk=pk)
        return render(request, "pilotage/includes/_report_row.html", {"report": report})
    if refused:
        messages.error(request, refused)
    else:
        messages.success(request, "La génération du rapport est annulée : il ne sera pas produit.")
    return redirect(report.page_url)


@require_GET
def report_download(request, pk):
    report = get_visible_or_404(request, _reports(Report.objects), pk=pk, status=Report.Status.DONE)
    return private_file_response(report.file, filename=report.filename, content_type="application/pdf")
