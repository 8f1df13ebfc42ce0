"""Meetings: list, form, detail, attendees, agenda, documents and COPIL documents."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.scope import get_visible_or_404
from actions.models import Action
from cites.models import Cite
from core.files import private_file_response
from core.lists import filtered_page
from core.permissions import ensure_allowed
from core.views import form_page, saved_form_page
from pilotage import forms, permissions, services
from pilotage.filters import MeetingFilter
from pilotage.models import AgendaItem, Meeting, MeetingDocument, Report

from .common import MEETINGS, PAGE_SIZE, _ask_report, _crumbs, _meeting_crumbs, _reports


@require_GET
def meeting_list(request, cite_pk):
    cite = get_visible_or_404(request, Cite, pk=cite_pk)
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


@require_http_methods(["GET", "POST"])
def meeting_create(request, cite_pk):
    cite = get_visible_or_404(request, Cite, pk=cite_pk)
    ensure_allowed(
        permissions.can_manage_meetings(request.user, cite), "Seule la coordination de la cité gère ses réunions."
    )
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.cite = cite
        meeting.save()
        messages.success(request, f"La réunion « {meeting} » a été créée.")
        return redirect(meeting)
    list_url = reverse("pilotage:meeting_list", args=[cite.pk])
    return form_page(
        request,
        form,
        title="Nouvelle réunion",
        breadcrumbs=_crumbs(None, (cite.name, list_url)),
        cancel_url=list_url,
    )


@require_http_methods(["GET", "POST"])
def meeting_update(request, pk):
    meeting = get_visible_or_404(request, MEETINGS, pk=pk, allowed=permissions.can_manage_meeting)
    form = forms.MeetingForm(request.POST or None, instance=meeting)
    return saved_form_page(
        request,
        form,
        saved="La réunion a été enregistrée.",
        back_to=meeting,
        title="Modifier la réunion",
        breadcrumbs=_meeting_crumbs(meeting),
        cancel_url=meeting.get_absolute_url(),
    )


@require_GET
def meeting_detail(request, pk):
    meeting = get_visible_or_404(request, MEETINGS, pk=pk)
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
    meeting = get_visible_or_404(request, MEETINGS, pk=pk)
    ensure_allowed(
        permissions.can_manage_meeting_documents(request.user, meeting),
        "Seule la coordination de la cité dépose les documents de ses réunions.",
    )
    form = forms.MeetingDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_meeting_detail(request, meeting, document_form=form, status=422)
    document = services.add_meeting_document(
        meeting, by=request.user, document=form.instance, upload=form.cleaned_data["file"], file_type=form.detected
    )
    messages.success(request, f"Le document « {document.title} » a été ajouté.")
    return redirect(meeting)


@require_GET
def meeting_document_download(request, pk, document_pk):
    """Serve a meeting document to those who see the meeting (cité staff; partners and
    outsiders get 404): never through a public media URL."""
    meeting = get_visible_or_404(request, MEETINGS, pk=pk)
    document = get_visible_or_404(request, MeetingDocument, pk=document_pk, meeting=meeting)
    return private_file_response(document.file, filename=document.original_name, content_type=document.content_type)


@require_POST
def meeting_document_delete(request, pk, document_pk):
    meeting = get_visible_or_404(request, MEETINGS, pk=pk)
    document = get_visible_or_404(request, MeetingDocument, pk=document_pk, meeting=meeting)
    services.delete_meeting_document(document, by=request.user)
    messages.success(request, f"Le document « {document.title} » a été retiré.")
    return redirect(meeting)


@require_POST
def meeting_report(request, pk, kind):
    meeting = get_visible_or_404(request, MEETINGS, pk=pk)
    if kind not in Report.MEETING_KINDS or not meeting.is_copil:
        raise Http404("Type de rapport inconnu pour cette réunion.")
    ensure_allowed(
        permissions.can_generate(request.user, meeting.cite, kind),
        "Seule la coordination de la cité génère les documents du COPIL.",
    )
    return _ask_report(request, meeting.get_absolute_url(), kind, meeting.cite, meeting.year, meeting=meeting)


@require_http_methods(["GET", "POST"])
def meeting_attendees(request, pk):
    meeting = get_visible_or_404(request, MEETINGS, pk=pk, allowed=permissions.can_manage_meeting)
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
    meeting = get_visible_or_404(request, MEETINGS, pk=pk, allowed=permissions.can_manage_meeting)
    candidates = (
        Action.objects.filter(cite=meeting.cite, status=Action.Status.IN_REVIEW)
        .exclude(agenda_items__meeting=meeting)
        .select_related("porteur")
        .order_by("reference", "id")
    )
    form = forms.AgendaForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        created = services.add_to_agenda(meeting, list(form.cleaned_data["actions"]), by=request.user)
        title = form.cleaned_data["title"]
        if title:
            last = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first() or 0
            AgendaItem.objects.create(meeting=meeting, title=title, order=last + 1)
        messages.success(request, f"{len(created)} proposition(s) ajoutée(s) à l'ordre du jour.")
        return redirect(meeting)
    form.helper.cancel_url = meeting.get_absolute_url()
    return render(
        request,
        "pilotage/meeting_agenda.html",
        {
            "meeting": meeting,
            "form": form,
            "page_title": f"Ordre du jour – {meeting.title}",
            "breadcrumbs": _meeting_crumbs(meeting),
        },
    )
