"""Steering pages: meetings and COPIL decisions, PDF reports.

Every object comes from a ``visible_to(user)`` queryset (404 outside the scope, so a
partner gets 404 on every cité page); the role check comes after (403).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Membership, Role
from actions.models import SUBSIDY_ACCOUNT, Action, BudgetLine, Opinion
from actions.services import TRANSITIONS
from cites.filters import filtered_page
from cites.models import Cite
from financements.models import FundingLine

from . import forms, permissions, services
from .filters import MeetingFilter, ReportFilter
from .models import AgendaItem, Meeting, Report

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
            Action.objects.filter(porteur_id__in=scope.organisations)
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
    cite = _cite_or_404(request, cite_pk)
    return redirect("pilotage:report_list", cite_pk=cite.pk)


# --- Reports -----------------------------------------------------------------------------
def _report_form(request, cite, data=None):
    kinds = permissions.generable_kinds(request.user, cite)
    meetings = Meeting.objects.filter(cite=cite, kind=Meeting.Kind.COPIL).order_by("-starts_at")
    initial = {"year": timezone.localdate().year, "kind": kinds[0] if kinds else None}
    return forms.ReportRequestForm(data, kinds=kinds, meetings=meetings, initial=initial), kinds


@require_GET
def report_list(request, cite_pk):
    cite = _cite_or_404(request, cite_pk)
    reports = _reports(Report.objects.visible_to(request.user).filter(cite=cite)).order_by("-created_at", "-id")
    filterset = ReportFilter(request.GET, queryset=reports, request=request)
    form, kinds = _report_form(request, cite)
    return render(
        request,
        "pilotage/report_list.html",
        {
            **filtered_page(request, filterset, PAGE_SIZE),
            "cite": cite,
            "form": form if kinds else None,
            "page_title": f"Rapports – {cite.name}",
            "breadcrumbs": _crumbs(),
        },
    )


def _report_created(request, report, fallback_url):
    if request.htmx:
        return render(request, "pilotage/includes/_report_row.html", {"report": report}, status=201)
    messages.success(request, "La génération du rapport est lancée : il apparaît ci-dessous dès qu'il est prêt.")
    return redirect(fallback_url)


@require_POST
def report_generate(request, cite_pk):
    cite = _cite_or_404(request, cite_pk)
    form, kinds = _report_form(request, cite, request.POST)
    if not kinds or (request.POST.get("kind") in Report.Kind.values and request.POST["kind"] not in kinds):
        raise PermissionDenied("Votre rôle ne permet pas de générer ce rapport pour cette cité.")
    if not form.is_valid():
        if request.htmx:
            return render(request, "pilotage/includes/_report_form_errors.html", {"form": form}, status=422)
        reports = _reports(Report.objects.visible_to(request.user).filter(cite=cite)).order_by("-created_at", "-id")
        return render(
            request,
            "pilotage/report_list.html",
            {
                "cite": cite,
                "page_obj": Paginator(reports, PAGE_SIZE).get_page(1),
                "form": form,
                "page_title": f"Rapports – {cite.name}",
                "breadcrumbs": _crumbs(),
            },
            status=422,
        )
    data = form.cleaned_data
    meeting = data["meeting"] if data["kind"] in Report.MEETING_KINDS else None
    year = meeting.year if meeting else data["year"]
    report = services.request_report(data["kind"], cite, year, request.user, meeting=meeting)
    return _report_created(request, report, reverse("pilotage:report_list", args=[cite.pk]))


@require_http_methods(["GET", "POST"])
def action_sheets(request, action_pk):
    """The PDF fiches of one action: partners reach this page for their own actions."""
    action = get_object_or_404(Action.objects.visible_to(request.user).select_related("cite", "porteur"), pk=action_pk)
    can_generate = permissions.can_generate_action_sheet(request.user, action)
    if request.method == "POST":
        if not can_generate:
            raise PermissionDenied("Seuls le porteur et la coordination génèrent la fiche de cette action.")
        report = services.request_report(
            Report.Kind.ACTION_SHEET, action.cite, action.year, request.user, action=action
        )
        return _report_created(request, report, reverse("pilotage:action_sheets", args=[action.pk]))
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
    report = get_object_or_404(_reports(Report.objects.visible_to(request.user)), pk=pk)
    return render(request, "pilotage/includes/_report_row.html", {"report": report})


@require_GET
def report_download(request, pk):
    report = get_object_or_404(
        _reports(Report.objects.visible_to(request.user)).filter(status=Report.Status.DONE), pk=pk
    )
    if not report.file:
        raise Http404("Fichier introuvable.")
    response = FileResponse(
        report.file.open("rb"), as_attachment=True, filename=report.filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


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


@require_GET
def meeting_list(request, cite_pk):
    cite = _cite_or_404(request, cite_pk)
    meetings = (
        Meeting.objects.filter(cite=cite)
        .annotate(
            items_count=Count("agenda_items", distinct=True),
            present_count=Count("attendees", filter=Q(attendees__presence="present"), distinct=True),
            attendees_count=Count("attendees", distinct=True),
        )
        .order_by("-starts_at", "id")
    )
    filterset = MeetingFilter(request.GET, queryset=meetings, request=request)
    return render(
        request,
        "pilotage/meeting_list.html",
        {
            **filtered_page(request, filterset, PAGE_SIZE),
            "cite": cite,
            "can_manage": permissions.can_manage_meetings(request.user, cite),
            "page_title": f"Réunions – {cite.name}",
            "breadcrumbs": _crumbs(),
        },
    )


def _form_page(request, form, *, title, breadcrumbs, cancel_url):
    return render(
        request,
        "pilotage/form_page.html",
        {"form": form, "page_title": title, "breadcrumbs": breadcrumbs, "cancel_url": cancel_url},
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request, cite_pk):
    cite = _cite_or_404(request, cite_pk)
    if not permissions.can_manage_meetings(request.user, cite):
        raise PermissionDenied("Seule la coordination de la cité gère ses réunions.")
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.cite = cite
        meeting.save()
        messages.success(request, f"La réunion « {meeting} » a été créée.")
        return redirect(meeting)
    list_url = reverse("pilotage:meeting_list", args=[cite.pk])
    return _form_page(
        request,
        form,
        title="Nouvelle réunion",
        breadcrumbs=_crumbs(None, (cite.name, list_url)),
        cancel_url=list_url,
    )


@require_http_methods(["GET", "POST"])
def meeting_update(request, pk):
    meeting = _managed_meeting(request, pk)
    form = forms.MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "La réunion a été enregistrée.")
        return redirect(meeting)
    return _form_page(
        request,
        form,
        title="Modifier la réunion",
        breadcrumbs=_meeting_crumbs(meeting),
        cancel_url=meeting.get_absolute_url(),
    )


@require_GET
def meeting_detail(request, pk):
    meeting = _meeting_or_404(request, pk)
    return _render_meeting_detail(request, meeting)


def _render_meeting_detail(request, meeting, document_form=None, status=200):
    items = list(meeting.agenda_items.select_related("action__porteur").order_by("order", "id"))
    attendees = meeting.attendees.order_by("category", "name", "id")
    reports = _reports(Report.objects.visible_to(request.user).filter(meeting=meeting)).order_by("-created_at", "-id")
    can_manage = permissions.can_manage_meetings(request.user, meeting.cite)
    if can_manage and document_form is None:
        document_form = forms.MeetingDocumentForm()
    return render(
        request,
        "pilotage/meeting_detail.html",
        {
            "meeting": meeting,
            "items": items,
            "has_drafts": any(item.draft_decision for item in items),
            "attendees": attendees,
            "reports": reports,
            "documents": meeting.documents.select_related("uploaded_by").order_by("-created_at", "-id"),
            "document_form": document_form if can_manage else None,
            "can_manage": can_manage,
            "can_generate": can_manage and meeting.is_copil,
            "page_title": meeting.title,
            "breadcrumbs": _crumbs(None, (meeting.cite.name, reverse("pilotage:meeting_list", args=[meeting.cite_id]))),
        },
        status=status,
    )


# --- Meeting documents -------------------------------------------------------------------
@require_POST
def meeting_document_upload(request, pk):
    """The coordination adds a document (PDF, ODT, DOCX) to a meeting."""
    meeting = _meeting_or_404(request, pk)
    if not permissions.can_manage_meeting_documents(request.user, meeting):
        raise PermissionDenied("Seule la coordination de la cité dépose les documents de ses réunions.")
    form = forms.MeetingDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_meeting_detail(request, meeting, document_form=form, status=422)
    document = form.save_for(meeting, request.user)
    messages.success(request, f"Le document « {document.title} » a été ajouté.")
    return redirect(meeting)


@require_GET
def meeting_document_download(request, pk, document_pk):
    """Serve a meeting document to those who see the meeting (cité staff; partners and
    outsiders get 404): never through a public media URL."""
    meeting = _meeting_or_404(request, pk)
    document = get_object_or_404(meeting.documents.all(), pk=document_pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("Le fichier n'est plus disponible.") from error
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def meeting_document_delete(request, pk, document_pk):
    meeting = _meeting_or_404(request, pk)
    document = get_object_or_404(meeting.documents.all(), pk=document_pk)
    if not permissions.can_manage_meeting_documents(request.user, meeting):
        raise PermissionDenied("Seule la coordination de la cité retire les documents de ses réunions.")
    document.delete()
    transaction.on_commit(lambda: document.file.delete(save=False))
    messages.success(request, f"Le document « {document.title} » a été retiré.")
    return redirect(meeting)


@require_POST
def meeting_report(request, pk, kind):
    meeting = _meeting_or_404(request, pk)
    if kind not in Report.MEETING_KINDS or not meeting.is_copil:
        raise Http404("Type de rapport inconnu pour cette réunion.")
    if not permissions.can_generate(request.user, meeting.cite, kind):
        raise PermissionDenied("Seule la coordination de la cité génère les documents du COPIL.")
    report = services.request_report(kind, meeting.cite, meeting.year, request.user, meeting=meeting)
    return _report_created(request, report, meeting.get_absolute_url())


@require_http_methods(["GET", "POST"])
def meeting_attendees(request, pk):
    meeting = _managed_meeting(request, pk)
    formset = forms.AttendeeFormSet(
        request.POST or None, instance=meeting, queryset=meeting.attendees.order_by("category", "name", "id")
    )
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, "La liste des participants a été enregistrée.")
        return redirect(meeting)
    return render(
        request,
        "pilotage/meeting_attendees.html",
        {
            "meeting": meeting,
            "formset": formset,
            "page_title": f"Participants – {meeting.title}",
            "breadcrumbs": _meeting_crumbs(meeting),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_agenda(request, pk):
    """Put proposals under instruction (« en instruction ») on a COPIL's agenda."""
    meeting = _managed_meeting(request, pk)
    candidates = (
        Action.objects.filter(cite=meeting.cite, status=Action.Status.IN_REVIEW)
        .exclude(agenda_items__meeting=meeting)
        .select_related("porteur")
        .order_by("reference", "id")
    )
    if request.method == "POST":
        chosen = candidates.filter(pk__in=[value for value in request.POST.getlist("actions") if value.isdigit()])
        created = services.add_to_agenda(meeting, list(chosen), by=request.user)
        title = request.POST.get("title", "").strip()[:250]
        if title:
            last = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first() or 0
            AgendaItem.objects.create(meeting=meeting, title=title, order=last + 1)
        messages.success(request, f"{len(created)} proposition(s) ajoutée(s) à l'ordre du jour.")
        return redirect(meeting)
    return render(
        request,
        "pilotage/meeting_agenda.html",
        {
            "meeting": meeting,
            "candidates": candidates,
            "page_title": f"Ordre du jour – {meeting.title}",
            "breadcrumbs": _meeting_crumbs(meeting),
        },
    )


def _opinion_roles(meeting, opinions):
    """``{user_id: role label}`` of the opinions' authors in the meeting's cité (one
    query): the troïka is the coordination, the pilots and the préfecture."""
    authors = {opinion.author_id for opinion in opinions}
    if not authors:
        return {}
    cite = meeting.cite
    memberships = (
        Membership.objects.active()
        .filter(user_id__in=authors)
        .filter(Q(cite=cite) | Q(role=Role.PREFECTURE, departement=cite.departement))
        .order_by("role", "id")
    )
    roles = {}
    for membership in memberships:
        roles.setdefault(membership.user_id, membership.get_role_display())
    return roles


def _decision_rows(meeting, data=None):
    subsidies = Prefetch(
        "action__budget_lines",
        queryset=BudgetLine.objects.filter(account=SUBSIDY_ACCOUNT).select_related("funder").order_by("id"),
        to_attr="subsidies",
    )
    opinions = Prefetch(
        "action__opinions",
        queryset=Opinion.objects.select_related("author").order_by("created_at", "id"),
        to_attr="troika_opinions",
    )
    items = list(
        meeting.agenda_items.exclude(action=None)
        .select_related("action__porteur", "action__cite")
        .prefetch_related(subsidies, opinions, "action__funding_lines")
        .order_by("order", "id")
    )
    roles = _opinion_roles(meeting, [opinion for item in items for opinion in item.action.troika_opinions])
    return [
        forms.DecisionRow(
            item,
            item.action.subsidies,
            data,
            opinions=[{"opinion": o, "role": roles.get(o.author_id, "")} for o in item.action.troika_opinions],
        )
        for item in items
    ]


@require_http_methods(["GET", "POST"])
def meeting_decisions(request, pk):
    """The COPIL's decision screen: every proposal of the agenda at once, with the
    troïka's opinions. Before the meeting is held, what is typed is a draft; afterwards it
    is applied in one transaction or not at all. Nobody is notified here (see
    :func:`meeting_validate`)."""
    meeting = _managed_meeting(request, pk)
    if not meeting.is_copil:
        raise Http404("Seul un COPIL décide de la programmation.")
    rows = _decision_rows(meeting, request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if all([row.validate() for row in rows]):
            decisions = [services.Decision(row.item, row.decision, row.comment, row.amounts) for row in rows]
            try:
                applied = services.record_decisions(meeting, decisions, by=request.user)
            except services.DecisionNotAllowed as failure:
                raise PermissionDenied(failure.message) from failure
            except services.DecisionError as failure:
                error = failure
                rows = _decision_rows(meeting, request.POST)  # fresh rows: nothing was saved
                for row in rows:
                    row.validate()
            else:
                if applied:
                    messages.success(
                        request,
                        "Les décisions du COPIL ont été appliquées. Les porteurs seront informés quand vous les "
                        "validerez (« Valider les décisions et notifier »).",
                    )
                else:
                    messages.success(
                        request,
                        "Décisions enregistrées en brouillon : le COPIL n'a pas encore eu lieu. Elles ne changent "
                        "ni le statut des actions ni les financements ; enregistrez-les à nouveau une fois le COPIL "
                        "tenu pour les appliquer.",
                    )
                return redirect(meeting)
        else:
            error = services.DecisionError("Aucune décision n'a été enregistrée : corrigez les points signalés.")
    return render(
        request,
        "pilotage/meeting_decisions.html",
        {
            "meeting": meeting,
            "rows": rows,
            "error": error,
            "decisions": AgendaItem.Decision.choices,
            "page_title": f"Décisions – {meeting.title}",
            "breadcrumbs": _meeting_crumbs(meeting),
        },
        status=422 if error else 200,
    )


@require_POST
def meeting_validate(request, pk):
    """« Valider les décisions et notifier »: once the COPIL is held and its decisions
    applied, the porteurs receive one e-mail per decided proposal."""
    meeting = _managed_meeting(request, pk)
    if not meeting.is_copil:
        raise Http404("Seul un COPIL décide de la programmation.")
    try:
        count = services.validate_decisions(meeting, by=request.user)
    except services.DecisionNotAllowed as failure:
        raise PermissionDenied(failure.message) from failure
    except services.DecisionError as failure:
        messages.error(request, failure.message)
    else:
        plural = "s" if count > 1 else ""
        messages.success(request, f"Décisions validées : {count} proposition{plural} notifiée{plural} aux porteurs.")
    return redirect(meeting)


# --- Programming outside a COPIL ---------------------------------------------------------
@require_http_methods(["GET", "POST"])
def action_programme(request, action_pk):
    """« Programmer » from the action page: an out-of-COPIL decision, with its date, its
    reason and the amount decided per funder, recorded with the status change."""
    action = get_object_or_404(Action.objects.visible_to(request.user).select_related("cite", "porteur"), pk=action_pk)
    if not permissions.can_programme(request.user, action):
        raise PermissionDenied("Seule la coordination de la cité programme une action.")
    rule = TRANSITIONS["programme"]
    if request.method == "GET" and action.status not in rule.sources:
        messages.error(
            request,
            f"Opération impossible : « {rule.label} » n'est pas possible pour une action "
            f"au statut « {action.get_status_display()} ».",
        )
        return redirect(action)
    subsidies = list(
        BudgetLine.objects.filter(action=action, account=SUBSIDY_ACCOUNT).select_related("funder").order_by("id")
    )
    decided = {
        line.budget_line_id: line.decided_amount
        for line in FundingLine.objects.filter(action=action, budget_line__isnull=False)
    }
    form = forms.ProgrammeForm(request.POST or None, subsidies=subsidies, decided=decided)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.programme_out_of_copil(
                    action,
                    by=request.user,
                    decided_on=data["decided_on"],
                    reason=data["reason"],
                    amounts=form.amounts,
                    no_funding_reason=data["no_funding_reason"],
                )
            except services.DecisionNotAllowed as failure:
                raise PermissionDenied(failure.message) from failure
            except services.DecisionError as failure:
                for problem in failure.problems or [failure.message]:
                    form.add_error(None, problem)
            else:
                messages.success(
                    request, "L'action est programmée hors COPIL ; le porteur est informé des montants décidés."
                )
                return redirect(action)
        status = 422
    opinions = list(action.opinions.select_related("author").order_by("created_at", "id"))
    return render(
        request,
        "pilotage/action_programme.html",
        {
            "action": action,
            "form": form,
            "opinions": opinions,
            "page_title": f"Programmer hors COPIL – {action}",
            "breadcrumbs": [
                ("Propositions et actions", reverse("actions:list")),
                (str(action), action.get_absolute_url()),
            ],
        },
        status=status,
    )
