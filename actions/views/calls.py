"""Calls for projects: public pages, the coordination's list and forms, a new proposal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import staff_only
from accounts.scope import get_visible_or_404
from actions import forms, permissions
from actions.models import Action, Call
from cites.models import Cite, Organisation
from core.permissions import ensure_allowed
from core.views import form_page

from .common import PAGE_SIZE


# --- Public pages ------------------------------------------------------------------------
@login_not_required
def public_call_list(request):
    calls = Call.objects.open_now().select_related("cite").order_by("closes_at", "title")
    return render(
        request,
        "actions/public_call_list.html",
        {"calls": calls, "page_title": "Appels à projets ouverts", "breadcrumbs": []},
    )


@login_not_required
def public_call_detail(request, pk):
    call = get_visible_or_404(request, Call.objects.published().select_related("cite"), pk=pk)
    return render(
        request,
        "actions/public_call_detail.html",
        {
            "call": call,
            "axes": call.axes.order_by("national_objective", "code"),
            "page_title": call.title,
            "breadcrumbs": [("Appels à projets", reverse("actions:public_call_list"))],
        },
    )


# --- Calls (cité staff) ------------------------------------------------------------------
@staff_only
@require_safe
def call_list(request):
    calls = (
        Call.objects.visible_to(request.user)
        .filter(cite__in=Cite.objects.visible_to(request.user))
        .select_related("cite")
        .annotate(proposals_count=Count("actions", filter=~Q(actions__status=Action.Status.DRAFT)))
        .order_by("-closes_at", "title")
    )
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "actions/call_list.html",
        {
            "page_obj": page,
            "can_create": Cite.objects.managed_by(request.user).exists(),
            "page_title": "Appels à projets",
            "breadcrumbs": [],
        },
    )


def _call_form_page(request, form, title, cancel_url):
    breadcrumbs = [("Appels à projets", reverse("actions:call_list"))]
    return form_page(request, form, title=title, breadcrumbs=breadcrumbs, cancel_url=cancel_url)


@staff_only
@require_http_methods(["GET", "POST"])
def call_create(request):
    cites = Cite.objects.managed_by(request.user).order_by("name")
    ensure_allowed(cites.exists(), "Seule la coordination d'une cité ouvre un appel à projets.")
    form = forms.CallForm(request.POST or None, cites=cites)
    if request.method == "POST" and form.is_valid():
        call = form.save()
        messages.success(request, f"L'appel à projets « {call.title} » a été enregistré.")
        return redirect(call)
    return _call_form_page(request, form, "Nouvel appel à projets", reverse("actions:call_list"))


@staff_only
@require_http_methods(["GET", "POST"])
def call_update(request, pk):
    call = get_visible_or_404(request, Call.objects.select_related("cite"), pk=pk)
    refusal = "Seule la coordination de la cité modifie ses appels à projets."
    ensure_allowed(permissions.can_manage_calls(request.user, call.cite), refusal)
    cites = Cite.objects.managed_by(request.user).order_by("name")
    form = forms.CallForm(request.POST or None, instance=call, cites=cites)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "L'appel à projets a été enregistré.")
        return redirect(call)
    return _call_form_page(request, form, f"Modifier « {call.title} »", call.get_absolute_url())


# --- Proposals ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def proposal_create(request, call_pk):
    call = get_visible_or_404(request, Call.objects.published().select_related("cite"), pk=call_pk)
    refusal = "Seul un compte partenaire (porteur de projet) dépose une proposition."
    ensure_allowed(permissions.can_create_proposal(request.user), refusal)
    if not call.is_open:
        messages.error(
            request,
            "Cet appel à projets est clos : il n'accepte plus de proposition."
            if call.is_closed
            else "Cet appel à projets n'est pas encore ouvert.",
        )
        return redirect(call)
    user = request.user
    organisations = Organisation.objects.filter(pk__in=request.scope.organisations).order_by("name")
    action = Action(
        cite=call.cite,
        call=call,
        year=call.year,
        created_by=user,
        contact_name=user.full_name,
        contact_email=user.email,
        contact_phone=user.phone,
    )
    form = forms.ProposalCreateForm(request.POST or None, instance=action, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        action = form.save()
        messages.success(request, "Le brouillon est créé : complétez la fiche action, à votre rythme.")
        return redirect("actions:update", pk=action.pk)
    return form_page(
        request,
        form,
        call=call,
        title="Déposer une proposition",
        intro=f"En réponse à l'appel « {call.title} » de la {call.cite.name}. "
        "Donnez un intitulé : le brouillon est enregistré et vous pourrez le compléter plus tard.",
        breadcrumbs=[("Appels à projets", reverse("actions:public_call_list")), (call.title, call.get_absolute_url())],
        cancel_url=call.get_absolute_url(),
        submit_label="Créer le brouillon",
    )
