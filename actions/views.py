"""Calls for projects, proposals and their instruction.

Every action comes from ``Action.objects.visible_to(user)`` (404 outside the scope); the
role check comes after (403). Writes go through :mod:`actions.services`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import staff_only
from cites.models import Cite, LocalAxis, Organisation, PriorityArea

from . import forms, permissions, services
from .models import Action, BudgetLine, Call, Note, budget_gap_message

PAGE_SIZE = 25
SORTS = {
    "reference": ("reference", "id"),
    "titre": ("title", "id"),
    "porteur": ("porteur__name", "id"),
    "depot": ("-submitted_at", "id"),
    "statut": ("status", "id"),
}


def _crumbs(*extra):
    return [("Actions", reverse("actions:list")), *extra]


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
    call = get_object_or_404(Call.objects.published().select_related("cite"), pk=pk)
    return render(
        request,
        "actions/public_call_detail.html",
        {
            "call": call,
            "axes": call.axes.order_by("national_objective", "code"),
            "page_title": call.title,
            "breadcrumbs": [("Appels à projets", reverse("calls:list"))],
        },
    )


# --- Calls (cité staff) ------------------------------------------------------------------
@staff_only
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
    return render(
        request,
        "actions/form_page.html",
        {
            "form": form,
            "page_title": title,
            "breadcrumbs": [("Appels à projets", reverse("actions:call_list"))],
            "cancel_url": cancel_url,
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def call_create(request):
    cites = Cite.objects.managed_by(request.user).order_by("name")
    if not cites.exists():
        raise PermissionDenied("Seule la coordination d'une cité ouvre un appel à projets.")
    form = forms.CallForm(request.POST or None, cites=cites)
    if request.method == "POST" and form.is_valid():
        call = form.save()
        messages.success(request, f"L'appel à projets « {call.title} » a été enregistré.")
        return redirect(call)
    return _call_form_page(request, form, "Nouvel appel à projets", reverse("actions:call_list"))


@staff_only
@require_http_methods(["GET", "POST"])
def call_update(request, pk):
    call = get_object_or_404(Call.objects.visible_to(request.user).select_related("cite"), pk=pk)
    if not permissions.can_manage_calls(request.user, call.cite):
        raise PermissionDenied("Seule la coordination de la cité modifie ses appels à projets.")
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
    call = get_object_or_404(Call.objects.published().select_related("cite"), pk=call_pk)
    if not permissions.can_create_proposal(request.user):
        raise PermissionDenied("Seul un compte partenaire (porteur de projet) dépose une proposition.")
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
    return render(
        request,
        "actions/form_page.html",
        {
            "form": form,
            "call": call,
            "page_title": "Déposer une proposition",
            "intro": f"En réponse à l'appel « {call.title} » de la {call.cite.name}. "
            "Donnez un intitulé : le brouillon est enregistré et vous pourrez le compléter plus tard.",
            "breadcrumbs": [("Appels à projets", reverse("calls:list")), (call.title, call.get_absolute_url())],
            "cancel_url": call.get_absolute_url(),
            "submit_label": "Créer le brouillon",
        },
    )


def _visible_action(request, pk):
    return get_object_or_404(
        Action.objects.visible_to(request.user).select_related("cite", "call", "porteur", "local_axis"), pk=pk
    )


def _porteur_action(request, pk):
    """The action, for its porteur only (403 for other roles)."""
    action = _visible_action(request, pk)
    if not permissions.is_porteur(request.user, action):
        raise PermissionDenied("Seul le porteur de projet modifie sa proposition.")
    return action


def _not_editable(request, action):
    messages.error(request, f"Cette proposition n'est plus modifiable (statut « {action.get_status_display()} »).")
    return redirect(action)


def _edit_crumbs(action):
    return _crumbs((action.title, action.get_absolute_url()))


@require_http_methods(["GET", "POST"])
def action_update(request, pk):
    action = _porteur_action(request, pk)
    if not action.is_editable:
        return _not_editable(request, action)
    form = forms.ActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_proposal(action, expected_version=form.cleaned_data["version"], save=form.save)
        except services.ConflictError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "La fiche action est enregistrée.")
            return redirect(action)
    return render(
        request,
        "actions/action_form.html",
        {"form": form, "action": action, "page_title": "Fiche action", "breadcrumbs": _edit_crumbs(action)},
    )


@require_http_methods(["GET", "POST"])
def action_budget(request, pk):
    action = _porteur_action(request, pk)
    if not action.is_editable:
        return _not_editable(request, action)
    data = request.POST or None
    funders = forms.funder_choices()
    charges = forms.budget_formset(BudgetLine.Side.CHARGE, data=data, instance=action, funders=funders)
    produits = forms.budget_formset(BudgetLine.Side.PRODUIT, data=data, instance=action, funders=funders)
    version_form = forms.VersionForm(data, initial={"version": action.version})
    conflict = ""
    if request.method == "POST" and all(f.is_valid() for f in (charges, produits, version_form)):

        def save():
            charges.save()
            produits.save()

        try:
            services.save_proposal(action, expected_version=version_form.cleaned_data["version"], save=save)
        except services.ConflictError as error:
            conflict = str(error)
        else:
            total_charges, total_produits = action.budget_totals()
            if total_charges == total_produits:
                messages.success(request, "Le budget est enregistré et équilibré.")
            else:
                messages.warning(
                    request, "Le budget est enregistré. " + budget_gap_message(total_charges, total_produits)
                )
            return redirect(action)
    total_charges, total_produits = action.budget_totals()
    return render(
        request,
        "actions/action_budget.html",
        {
            "action": action,
            "charges": charges,
            "produits": produits,
            "version_form": version_form,
            "conflict": conflict,
            "total_charges": total_charges,
            "total_produits": total_produits,
            "gap_message": budget_gap_message(total_charges, total_produits) if total_charges != total_produits else "",
            "page_title": "Budget prévisionnel",
            "breadcrumbs": _edit_crumbs(action),
        },
    )


@require_http_methods(["GET", "POST"])
def action_indicators(request, pk):
    action = _porteur_action(request, pk)
    if not action.is_editable:
        return _not_editable(request, action)
    data = request.POST or None
    formset = forms.IndicatorFormSet(data, instance=action, prefix="indicateurs")
    version_form = forms.VersionForm(data, initial={"version": action.version})
    conflict = ""
    if request.method == "POST" and formset.is_valid() and version_form.is_valid():
        try:
            services.save_proposal(action, expected_version=version_form.cleaned_data["version"], save=formset.save)
        except services.ConflictError as error:
            conflict = str(error)
        else:
            messages.success(request, "Les indicateurs sont enregistrés.")
            return redirect(action)
    return render(
        request,
        "actions/action_indicators.html",
        {
            "action": action,
            "formset": formset,
            "version_form": version_form,
            "conflict": conflict,
            "page_title": "Indicateurs d'évaluation",
            "breadcrumbs": _edit_crumbs(action),
        },
    )


# --- Lists and detail --------------------------------------------------------------------
def _int_param(request, name):
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def action_list(request):
    """Staff: the proposals of their cités. Partners: their organisation's actions."""
    base = Action.objects.visible_to(request.user)
    actions = base.select_related("cite", "call", "porteur", "local_axis").with_budget_totals()
    selected = {name: _int_param(request, name) for name in ("appel", "axe", "qpv", "porteur")}
    if selected["appel"]:
        actions = actions.filter(call_id=selected["appel"])
    if selected["axe"]:
        actions = actions.filter(local_axis_id=selected["axe"])
    if selected["qpv"]:
        actions = actions.filter(priority_areas=selected["qpv"])
    if selected["porteur"]:
        actions = actions.filter(porteur_id=selected["porteur"])
    status = request.GET.get("statut", "")
    if status in Action.Status.values:
        actions = actions.filter(status=status)
    sort = request.GET.get("tri", "")
    actions = actions.order_by(*SORTS.get(sort, ("-year", "reference", "id")))
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "actions/action_list.html",
        {
            "page_obj": page,
            "calls": Call.objects.filter(pk__in=base.values("call_id")).select_related("cite"),
            "axes": LocalAxis.objects.filter(pk__in=base.values("local_axis_id")),
            "priority_areas": PriorityArea.objects.filter(pk__in=base.values("priority_areas")),
            "porteurs": Organisation.objects.filter(pk__in=base.values("porteur_id")),
            "statuses": Action.Status.choices,
            "sorts": [
                ("", "Année et référence"),
                ("depot", "Date de dépôt"),
                ("titre", "Intitulé"),
                ("porteur", "Porteur"),
                ("statut", "Statut"),
            ],  # fmt: skip
            "selected": selected,
            "status": status,
            "sort": sort,
            "is_partner_only": request.scope.is_partner_only,
            "page_title": "Mes actions" if request.scope.is_partner_only else "Propositions et actions",
            "breadcrumbs": [],
        },
    )


def action_detail(request, pk):
    action = _visible_action(request, pk)
    user = request.user
    is_porteur = permissions.is_porteur(user, action)
    can_see_opinions = permissions.can_see_opinions(user, action)
    lines = list(action.budget_lines.select_related("funder"))
    charges = [line for line in lines if line.side == BudgetLine.Side.CHARGE]
    produits = [line for line in lines if line.side == BudgetLine.Side.PRODUIT]
    total_charges = sum((line.amount_planned for line in charges), start=0)
    total_produits = sum((line.amount_planned for line in produits), start=0)
    opinions = list(action.opinions.select_related("author")) if can_see_opinions else []
    my_opinion = next((o for o in opinions if o.author_id == user.pk), None)
    allowed = set(services.allowed_transitions(action, user))
    buttons = [(name, services.TRANSITIONS[name]) for name in services.BUTTON_TRANSITIONS if name in allowed]
    context = {
        "action": action,
        "is_porteur": is_porteur,
        "can_edit": permissions.can_edit_action(user, action),
        "can_submit": "submit" in allowed,
        "missing": action.missing_items() if is_porteur and action.is_editable else [],
        "buttons": buttons,
        "indicators": action.indicators.all(),
        "charges": charges,
        "produits": produits,
        "total_charges": total_charges,
        "total_produits": total_produits,
        "partners": action.partners.order_by("name"),
        "priority_areas": action.priority_areas.order_by("name"),
        "schools": action.schools.order_by("name"),
        "timeline": action.transitions.select_related("actor").order_by("created_at", "id"),
        "can_see_opinions": can_see_opinions,
        "opinions": opinions,
        "can_give_opinion": permissions.can_give_opinion(user, action),
        "opinion_form": forms.OpinionForm(instance=my_opinion, prefix="avis"),
        "notes": action.notes.select_related("author").order_by("created_at", "id") if can_see_opinions else [],
        "note_form": forms.TextForm(label="Note interne", prefix="note"),
        "can_read_messages": permissions.can_read_messages(user, action),
        "thread": action.messages.select_related("author").order_by("created_at", "id"),
        "can_post_message": permissions.can_post_message(user, action),
        "message_form": forms.TextForm(prefix="message"),
        "page_title": str(action),
        "breadcrumbs": _crumbs(),
    }
    return render(request, "actions/action_detail.html", context)


# --- Workflow and instruction (POST only) ------------------------------------------------
@require_POST
def action_transition(request, pk, name):
    action = _visible_action(request, pk)
    # The bilan step ("report") will have its own screen: it is not a bare button.
    if name not in services.BUTTON_TRANSITIONS and name != "submit":
        raise Http404("Opération inconnue.")
    comment = request.POST.get("comment", "")
    try:
        services.apply_transition(action, name, by=request.user, comment=comment)
    except services.TransitionNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except services.TransitionError as error:
        messages.error(request, error.message)
        for problem in error.problems:
            messages.error(request, problem)
    else:
        messages.success(
            request, f"« {services.TRANSITIONS[name].label} » : c'est fait. Statut : {action.get_status_display()}."
        )
    return redirect(action)


@require_POST
def opinion_give(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_give_opinion(request.user, action):
        raise PermissionDenied("Votre rôle ne permet pas de donner un avis sur cette action.")
    form = forms.OpinionForm(request.POST, prefix="avis")
    if form.is_valid():
        services.give_opinion(
            action, by=request.user, verdict=form.cleaned_data["verdict"], comment=form.cleaned_data["comment"]
        )
        messages.success(request, "Votre avis est enregistré.")
    else:
        messages.error(request, "Choisissez un avis : favorable, réservé ou défavorable.")
    return redirect(reverse("actions:detail", args=[action.pk]) + "#avis")


@require_POST
def note_create(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_add_note(request.user, action):
        raise PermissionDenied("Les notes internes sont réservées à l'instruction.")
    form = forms.TextForm(request.POST, prefix="note")
    if form.is_valid():
        with transaction.atomic():
            Note.objects.create(action=action, author=request.user, text=form.cleaned_data["text"].strip())
        messages.success(request, "La note est enregistrée.")
    else:
        messages.error(request, "La note est vide.")
    return redirect(reverse("actions:detail", args=[action.pk]) + "#notes")


@require_POST
def message_create(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_post_message(request.user, action):
        raise PermissionDenied("Votre rôle ne permet pas d'écrire dans ce fil de discussion.")
    form = forms.TextForm(request.POST, prefix="message")
    if form.is_valid():
        services.post_message(action, by=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Le message est envoyé.")
    else:
        messages.error(request, "Le message est vide.")
    return redirect(reverse("actions:detail", args=[action.pk]) + "#messages")
