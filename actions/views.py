"""Calls for projects, proposals and their instruction.

Every action comes from ``Action.objects.visible_to(user)`` (404 outside the scope); the
role check comes after (403). Writes go through :mod:`actions.services`.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import staff_only
from cites.models import Cite, LocalAxis, Organisation, PriorityArea

from . import forms, permissions, services
from .filters import export_querystring, filter_actions
from .models import Action, ActionReport, Attachment, BudgetLine, Call, Note, budget_gap_message

PAGE_SIZE = 25


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
            "typed_charges": _typed_total(charges),
            "typed_produits": _typed_total(produits),
            "gap_message": budget_gap_message(total_charges, total_produits) if total_charges != total_produits else "",
            "page_title": "Budget prévisionnel",
            "breadcrumbs": _edit_crumbs(action),
        },
    )


def _typed_total(formset):
    """The total of the rows as typed (kept rows only), for the page's server-side total;
    static/js/budget.js recomputes it live in the browser."""
    total = Decimal("0")
    for form in formset.forms:
        if not formset.is_bound:
            total += form.instance.amount_planned if form.instance.pk else 0
            continue
        if form.data.get(form.add_prefix("DELETE")):
            continue
        raw = str(form.data.get(form.add_prefix("amount_planned"), "")).replace(",", ".").replace(" ", "")
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            continue
        if amount.is_finite():
            total += amount
    return total


MAX_BUDGET_ROWS = 200
BUDGET_SIDES = {"charges": BudgetLine.Side.CHARGE, "produits": BudgetLine.Side.PRODUIT}


@require_http_methods(["GET"])
def action_budget_row(request, pk, prefix):
    """htmx: one more empty budget row for a side, and the formset's new TOTAL_FORMS."""
    if prefix not in BUDGET_SIDES:
        raise Http404("Nature de ligne inconnue.")
    action = _porteur_action(request, pk)
    if not action.is_editable:
        raise PermissionDenied(f"Cette proposition n'est plus modifiable (statut « {action.get_status_display()} »).")
    if not request.htmx:
        return redirect("actions:budget", pk=action.pk)
    raw = request.GET.get(f"{prefix}-TOTAL_FORMS", "")
    if not raw.isdigit() or int(raw) >= MAX_BUDGET_ROWS:
        return HttpResponseBadRequest("Nombre de lignes non valide.")
    index = int(raw)
    formset = forms.budget_formset(BUDGET_SIDES[prefix], instance=action, funders=forms.funder_choices())
    form = formset.form(
        prefix=formset.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        **formset.get_form_kwargs(None),
    )
    formset.add_fields(form, None)
    return render(
        request,
        "actions/includes/_budget_new_row.html",
        {
            "form": form,
            "number": index + 1,
            "with_funder": prefix == "produits",
            "prefix": prefix,
            "total_forms": index + 1,
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


# --- Attachments ------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def action_attachments(request, pk):
    """The porteur's documents: list, upload (checked by content), delete."""
    action = _porteur_action(request, pk)
    form = forms.AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not action.is_editable:
            return _not_editable(request, action)
        if form.is_valid():
            try:
                attachment = services.write_as_porteur(
                    action, by=request.user, write=lambda: form.save_for(action, request.user)
                )
            except services.TransitionError as error:
                messages.error(request, error.message)
                return redirect(action)
            messages.success(request, f"« {attachment.original_name} » est joint à la proposition.")
            return redirect("actions:attachments", pk=action.pk)
    return render(
        request,
        "actions/action_attachments.html",
        {
            "action": action,
            "form": form,
            "attachments": action.attachments.order_by("kind", "id"),
            "can_manage": permissions.can_manage_attachments(request.user, action),
            "page_title": "Pièces jointes",
            "breadcrumbs": _edit_crumbs(action),
        },
    )


@require_POST
def attachment_delete(request, pk, attachment_pk):
    action = _porteur_action(request, pk)
    attachment = get_object_or_404(action.attachments, pk=attachment_pk)

    def delete():
        attachment.delete()
        transaction.on_commit(lambda: attachment.file.delete(save=False))

    try:
        services.write_as_porteur(action, by=request.user, write=delete)
    except services.TransitionError as error:
        messages.error(request, error.message)
        return redirect(action)
    messages.success(request, f"« {attachment.original_name} » est supprimé.")
    return redirect("actions:attachments", pk=action.pk)


def attachment_download(request, pk, attachment_pk):
    """Serve a document to the porteur or the instruction of the cité (404 outside the
    scope, 403 for other roles inside it)."""
    action = _visible_action(request, pk)
    attachment = get_object_or_404(Attachment.objects.filter(action=action), pk=attachment_pk)
    if not permissions.can_read_attachments(request.user, action):
        raise PermissionDenied("Les pièces jointes sont réservées au porteur et à l'instruction.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("Le fichier n'est plus disponible.") from error
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


# --- Bilan ------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def action_report(request, pk):
    """The porteur's bilan: fill it over several visits, then transmit it (→ reported)."""
    action = _porteur_action(request, pk)
    if action.status != Action.Status.IN_PROGRESS:
        messages.error(
            request,
            f"Le bilan se remplit quand l'action est en cours ; elle est au statut « {action.get_status_display()} ».",
        )
        return redirect(action)
    report = ActionReport.objects.filter(action=action).first() or ActionReport(action=action)
    data = request.POST or None
    report_form = forms.ActionReportForm(data, instance=report, prefix="bilan")
    beneficiaries = forms.BeneficiariesForm(data, report=report, prefix="beneficiaires")
    results = forms.IndicatorResultFormSet(data, queryset=action.indicators.order_by("id"), prefix="indicateurs")
    actuals = forms.BudgetActualFormSet(
        data, queryset=action.budget_lines.select_related("funder").order_by("side", "account", "id"), prefix="budget"
    )
    parts = (report_form, beneficiaries, results, actuals)
    if request.method == "POST":
        if all(part.is_valid() for part in parts):

            def save():
                report_form.save()
                beneficiaries.save()
                results.save()
                actuals.save()

            try:
                services.save_report(action, by=request.user, save=save)
            except services.TransitionNotAllowed as error:
                raise PermissionDenied(error.message) from error
            except services.TransitionError as error:
                messages.error(request, error.message)
                return redirect(action)
            if "transmettre" not in request.POST:
                messages.success(request, "Le bilan est enregistré : vous pourrez le compléter plus tard.")
                return redirect("actions:report", pk=action.pk)
            try:
                services.report_action(action, by=request.user)
            except services.TransitionError as error:
                messages.error(request, error.message)
                for problem in error.problems:
                    messages.error(request, problem)
                return redirect("actions:report", pk=action.pk)
            messages.success(request, "Le bilan est transmis à la coordination de la cité.")
            return redirect(action)
        messages.error(request, "Le bilan contient des erreurs : corrigez les champs signalés.")
    return render(
        request,
        "actions/action_report.html",
        {
            "action": action,
            "report_form": report_form,
            "beneficiaries": beneficiaries,
            "results": results,
            "actuals": actuals,
            "missing": report.missing_items() if report.pk else [],
            "page_title": "Bilan de l'action",
            "breadcrumbs": _edit_crumbs(action),
        },
    )


# --- Lists and detail --------------------------------------------------------------------
def action_list(request):
    """Staff: the proposals of their cités. Partners: their organisation's actions.

    The call, axis, QPV and porteur filters belong to one cité: their dropdowns are listed
    only for the chosen cité (or the user's only cité), so that a user who reads 300 cités
    gets a small page and a few cheap queries instead of every call and QPV of France.
    The filtering itself is :func:`actions.filters.filter_actions`, shared with the exports."""
    listing = filter_actions(request)
    base, filter_cite = listing.base, listing.filter_cite
    actions = listing.actions.select_related("cite", "call", "porteur", "local_axis").prefetch_related("reviewers")
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
    choices = {}
    if filter_cite:
        in_cite = base.filter(cite_id=filter_cite)
        choices = {
            "calls": Call.objects.filter(pk__in=in_cite.values("call_id")).select_related("cite"),
            "axes": LocalAxis.objects.filter(pk__in=in_cite.values("local_axis_id")),
            "priority_areas": PriorityArea.objects.filter(pk__in=in_cite.values("priority_areas")),
            "porteurs": Organisation.objects.filter(pk__in=in_cite.values("porteur_id")),
        }
    return render(
        request,
        "actions/action_list.html",
        {
            "page_obj": page,
            "cites": listing.cites,
            "cite_pk": listing.cite_pk,
            "filter_cite": filter_cite,
            **choices,
            "statuses": Action.Status.choices,
            "sorts": [
                ("", "Année et référence"),
                ("depot", "Date de dépôt"),
                ("titre", "Intitulé"),
                ("porteur", "Porteur"),
                ("statut", "Statut"),
            ],  # fmt: skip
            "selected": listing.selected,
            "mine": listing.mine,
            "status": listing.status,
            "sort": listing.sort,
            "export_query": export_querystring(request),
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
    report = ActionReport.objects.filter(action=action).first()
    beneficiaries = list(report.beneficiaries.all()) if report else []
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
        "report": report if report and (is_porteur or report.submitted_at) else None,
        "can_read_attachments": permissions.can_read_attachments(user, action),
        "attachments": action.attachments.order_by("kind", "id"),
        "beneficiaries": beneficiaries,
        "beneficiaries_total": sum(row.total for row in beneficiaries),
        "beneficiaries_qpv": sum(row.living_in_qpv for row in beneficiaries),
        "can_fill_report": is_porteur and action.status == Action.Status.IN_PROGRESS,
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
        "note_form": forms.TextForm(label="Note interne", prefix="note"),
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
    action = _visible_action(request, pk)
    if not permissions.can_instruct(request.user, action):
        raise PermissionDenied("Seule la coordination de la cité désigne les rapporteurs.")
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
