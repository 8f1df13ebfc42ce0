"""Instruction: the proposals list, the action page, transitions, reviewers, opinions,
notes and messages.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.scope import get_visible_or_404
from actions import forms, permissions, services
from actions.filters import export_querystring, filter_actions
from actions.models import Action, Bilan, BudgetLine, Note
from core.permissions import ensure_allowed

from .common import ACTIONS, PAGE_SIZE, _crumbs


# --- Lists and detail --------------------------------------------------------------------
@require_safe
def action_list(request):
    """Staff: the proposals of their cités. Partners: their organisation's actions.

    The filters (the call, axis, QPV and porteur dropdowns for one cité only) are
    :class:`actions.filters.ActionFilter`, shared with the exports."""
    filterset = filter_actions(request)
    actions = filterset.qs.select_related("cite", "call", "porteur", "local_axis").prefetch_related("reviewers")
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    # Budget totals for the rows shown only: aggregating over every visible action before
    # the LIMIT made the page grow with the data (1.2 s over 90 000 actions).
    page.object_list = list(page.object_list)
    totals = {
        row["pk"]: row
        for row in Action.objects.filter(pk__in=[a.pk for a in page.object_list])
        .with_budget_totals()
        .values("pk", "charges_total", "produits_total")
    }
    for action in page.object_list:
        action.charges_total = totals[action.pk]["charges_total"]
        action.produits_total = totals[action.pk]["produits_total"]
    return render(
        request,
        "actions/action_list.html",
        {
            "page_obj": page,
            "filterset": filterset,
            **filterset.choices,
            "export_query": export_querystring(request),
            "is_partner_only": request.scope.is_partner_only,
            "page_title": "Mes actions" if request.scope.is_partner_only else "Propositions et actions",
            "breadcrumbs": [],
        },
    )


@require_safe
def action_detail(request, pk):
    action = get_visible_or_404(request, ACTIONS, pk=pk)
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
    bilan = Bilan.objects.filter(action=action).first()
    if bilan and not (is_porteur or bilan.submitted_at):
        bilan = None  # a draft bilan is the porteur's own: no text, no figure for anyone else
    beneficiaries = list(bilan.beneficiaries.all()) if bilan else []
    allowed = set(services.allowed_transitions(action, user))
    buttons = [
        (name, forms.TransitionForm(name=name, rule=services.TRANSITIONS[name]))
        for name in services.BUTTON_TRANSITIONS
        if name in allowed
    ]
    context = {
        "action": action,
        "is_porteur": is_porteur,
        "can_edit": permissions.can_edit_action(user, action),
        "can_submit": "submit" in allowed,
        "missing": action.missing_items() if is_porteur and action.is_editable else [],
        "buttons": buttons,
        # Programming records the money decided: its own screen (in pilotage), not a button.
        "can_programme": "programme" in allowed,
        "indicators": action.indicators.all(),
        "bilan": bilan,
        "can_read_attachments": permissions.can_read_attachments(user, action),
        "attachments": action.attachments.order_by("kind", "id"),
        "beneficiaries": beneficiaries,
        "beneficiaries_total": sum(row.total for row in beneficiaries),
        "beneficiaries_qpv": sum(row.living_in_qpv for row in beneficiaries),
        "can_fill_bilan": is_porteur and action.status == Action.Status.IN_PROGRESS,
        "bilan_opens_on": action.bilan_opens_on(),
        "can_allow_early_bilan": (
            permissions.can_allow_early_bilan(user, action)
            and action.status in services.EARLY_BILAN_STATUSES
            and action.bilan_opens_on() is not None
        ),
        "budget_lines": lines,
        "charges": charges,
        "produits": produits,
        "total_charges": total_charges,
        "total_produits": total_produits,
        "partners": action.partners.order_by("name"),
        "priority_areas": action.priority_areas.order_by("name"),
        "schools": action.schools.order_by("name"),
        "timeline": action.transitions.select_related("actor").order_by("created_at", "id"),
        "can_see_opinions": can_see_opinions,
        "reviewers": list(action.reviewers.order_by("full_name", "id")) if can_see_opinions else [],
        "reviewers_form": (
            forms.ReviewersForm(
                action=action,
                prefix="rapporteurs",
                initial={"reviewers": action.reviewers.values_list("pk", flat=True)},
            )
            if permissions.can_instruct(user, action) and action.status != Action.Status.DRAFT
            else None
        ),
        "opinions": opinions,
        "can_give_opinion": permissions.can_give_opinion(user, action),
        "opinion_form": forms.OpinionForm(instance=my_opinion, prefix="avis"),
        "notes": action.notes.select_related("author").order_by("created_at", "id") if can_see_opinions else [],
        "note_form": forms.TextForm(label="Note interne", submit_label="Ajouter la note", prefix="note"),
        "can_read_messages": permissions.can_read_messages(user, action),
        "thread": action.messages.select_related("author").order_by("created_at", "id"),
        "can_post_message": permissions.can_post_message(user, action),
        "message_form": forms.TextForm(prefix="message"),
        "page_title": str(action),
        "breadcrumbs": _crumbs(),
    }
    return render(request, "actions/action_detail.html", context)


@require_POST
def action_reviewers(request, pk):
    action = get_visible_or_404(request, ACTIONS, pk=pk)
    ensure_allowed(
        permissions.can_instruct(request.user, action), "Seule la coordination de la cité désigne les rapporteurs."
    )
    form = forms.ReviewersForm(request.POST, action=action, prefix="rapporteurs")
    if form.is_valid():
        services.assign_reviewers(action, by=request.user, reviewers=form.cleaned_data["reviewers"])
        names = ", ".join(user.full_name for user in form.cleaned_data["reviewers"]) or "aucun"
        messages.success(request, f"Rapporteurs : {names}.")
    else:
        messages.error(request, "Choisissez les rapporteurs parmi les membres du pilotage de la cité.")
    return redirect(reverse("actions:detail", args=[action.pk]) + "#rapporteurs")


# --- Workflow and instruction (POST only) ------------------------------------------------
@require_POST
def action_transition(request, pk, name):
    action = get_visible_or_404(request, ACTIONS, pk=pk)
    # The bilan step ("report") will have its own screen: it is not a bare button.
    if name not in services.BUTTON_TRANSITIONS and name != "submit":
        raise Http404("Opération inconnue.")
    form = forms.TransitionForm(request.POST, name=name, rule=services.TRANSITIONS[name])
    # Left empty where the rule needs it, the comment is "": the service says why it refuses.
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.apply_transition(action, name, by=request.user, comment=comment)
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
def allow_early_bilan(request, pk):
    """The coordination lets the porteur transmit the bilan before the action's end date."""
    action = get_visible_or_404(request, ACTIONS, pk=pk)
    try:
        services.allow_early_bilan(action, by=request.user)
    except services.TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Le porteur peut transmettre le bilan dès qu'il est complet, avant la fin de l'action."
        )
    return redirect(action)


@require_POST
def opinion_give(request, pk):
    refusal = "Votre rôle ne permet pas de donner un avis sur cette action."
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.can_give_opinion, refusal=refusal)
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
    refusal = "Les notes internes sont réservées à l'instruction."
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.can_add_note, refusal=refusal)
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
    refusal = "Votre rôle ne permet pas d'écrire dans ce fil de discussion."
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.can_post_message, refusal=refusal)
    form = forms.TextForm(request.POST, prefix="message")
    if form.is_valid():
        services.post_message(action, by=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Le message est envoyé.")
    else:
        messages.error(request, "Le message est vide.")
    return redirect(reverse("actions:detail", args=[action.pk]) + "#messages")
