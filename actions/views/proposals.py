"""The porteur's side of a proposal: fiche, budget (htmx rows), indicators, attachments, bilan."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.scope import get_visible_or_404
from actions import forms, permissions, services
from actions.models import Action, Attachment, Bilan, BudgetLine, budget_gap_message
from core.files import private_file_response
from core.forms import RowCountForm
from core.permissions import ensure_allowed

from .common import ACTIONS, _edit_crumbs, _not_editable


def _save_rows(request, action, version_form, *formsets):
    """Hand the rows the valid formsets would write or delete to the service, which writes
    them under the version check: the conflict message, or an empty string."""
    saved, deleted = [], []
    for formset in formsets:
        saved += formset.save(commit=False)
        deleted += formset.deleted_objects
    expected = version_form.cleaned_data["version"]
    try:
        services.save_rows(action, by=request.user, expected_version=expected, saved=saved, deleted=deleted)
    except services.ConflictError as error:
        return str(error)
    return ""


@require_http_methods(["GET", "POST"])
def action_update(request, pk):
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.is_porteur)
    if not action.is_editable:
        return _not_editable(request, action)
    form = forms.ActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        try:
            relations = {
                field.name: form.cleaned_data[field.name]
                for field in Action._meta.many_to_many
                if field.name in form.cleaned_data
            }
            services.save_fiche(
                form.save(commit=False),
                by=request.user,
                expected_version=form.cleaned_data["version"],
                relations=relations,
            )
        except services.ConflictError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "La fiche action est enregistrée.")
            return redirect(action)
    form.helper.cancel_url = action.get_absolute_url()
    return render(
        request,
        "actions/action_form.html",
        {"form": form, "action": action, "page_title": "Fiche action", "breadcrumbs": _edit_crumbs(action)},
    )


@require_http_methods(["GET", "POST"])
def action_budget(request, pk):
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.is_porteur)
    if not action.is_editable:
        return _not_editable(request, action)
    data = request.POST or None
    funders = forms.funder_choices()
    charges = forms.budget_formset(BudgetLine.Side.CHARGE, data=data, instance=action, funders=funders)
    produits = forms.budget_formset(BudgetLine.Side.PRODUIT, data=data, instance=action, funders=funders)
    version_form = forms.VersionForm(data, initial={"version": action.version})
    conflict = ""
    if request.method == "POST" and all(f.is_valid() for f in (charges, produits, version_form)):
        conflict = _save_rows(request, action, version_form, charges, produits)
        if not conflict:
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
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.is_porteur)
    ensure_allowed(
        action.is_editable, f"Cette proposition n'est plus modifiable (statut « {action.get_status_display()} »)."
    )
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
    row_count = RowCountForm(prefix=prefix, initial={"TOTAL_FORMS": index + 1})
    return render(request, "actions/includes/_budget_new_row.html", {"form": form, "row_count": row_count})


@require_http_methods(["GET", "POST"])
def action_indicators(request, pk):
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.is_porteur)
    if not action.is_editable:
        return _not_editable(request, action)
    data = request.POST or None
    formset = forms.IndicatorFormSet(data, instance=action, prefix="indicateurs")
    version_form = forms.VersionForm(data, initial={"version": action.version})
    conflict = ""
    if request.method == "POST" and formset.is_valid() and version_form.is_valid():
        conflict = _save_rows(request, action, version_form, formset)
        if not conflict:
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
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.is_porteur)
    form = forms.AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not action.is_editable:
            return _not_editable(request, action)
        if form.is_valid():
            try:
                attachment = services.add_attachment(
                    action,
                    by=request.user,
                    attachment=form.instance,
                    upload=form.cleaned_data["file"],
                    file_type=form.detected,
                )
            except services.TransitionError as error:
                messages.error(request, error.message)
                return redirect(action)
            messages.success(request, f"« {attachment.original_name} » est joint à la proposition.")
            return redirect("actions:attachments", pk=action.pk)
    form.helper.cancel_url = action.get_absolute_url()
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
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.is_porteur)
    attachment = get_visible_or_404(request, Attachment, pk=attachment_pk, action=action)
    try:
        services.delete_attachment(attachment, by=request.user)
    except services.TransitionError as error:
        messages.error(request, error.message)
        return redirect(action)
    messages.success(request, f"« {attachment.original_name} » est supprimé.")
    return redirect("actions:attachments", pk=action.pk)


@require_safe
def attachment_download(request, pk, attachment_pk):
    """Serve a document to the porteur or the instruction of the cité (404 outside the
    scope, 403 for other roles inside it)."""
    action = get_visible_or_404(request, ACTIONS, pk=pk)
    attachment = get_visible_or_404(request, Attachment, pk=attachment_pk, action=action)
    ensure_allowed(permissions.can_read_attachments(request.user, action), permissions.can_read_attachments.refusal)
    return private_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


# --- Bilan ------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def action_bilan(request, pk):
    """The porteur's bilan: fill it over several visits, then transmit it (→ reported).

    Every POST saves what can be saved, whichever button was pressed: a figure with an
    error is shown again as typed, next to its message, and the rest is stored. A refused
    transmission (incomplete bilan, unbalanced budget, action not ended) leaves a draft
    holding everything typed, never a lost form."""
    action = get_visible_or_404(request, ACTIONS, pk=pk, allowed=permissions.is_porteur)
    if action.status != Action.Status.IN_PROGRESS:
        messages.error(
            request,
            f"Le bilan se remplit quand l'action est en cours ; elle est au statut « {action.get_status_display()} ».",
        )
        return redirect(action)
    bilan = Bilan.objects.filter(action=action).first() or Bilan(action=action)
    # Bound on every POST, even an empty one: the parts below read what was typed.
    data = request.POST if request.method == "POST" else None
    bilan_form = forms.BilanForm(data, instance=bilan, prefix="bilan")
    beneficiaries = forms.BeneficiariesForm(data, bilan=bilan, prefix="beneficiaires")
    results = forms.IndicatorResultFormSet(data, queryset=action.indicators.order_by("id"), prefix="indicateurs")
    actuals = forms.BudgetActualFormSet(
        data, queryset=action.budget_lines.select_related("funder").order_by("side", "account", "id"), prefix="budget"
    )
    parts = (bilan_form, beneficiaries, results, actuals)
    if request.method == "POST":
        transmit = "transmettre" in request.POST
        valid = all([part.is_valid() for part in parts])  # a list: every part shows its errors
        try:
            # The bilan with the fields typed without error (all of them when the form is valid).
            services.save_bilan(
                action,
                by=request.user,
                bilan=bilan,
                beneficiaries=beneficiaries.counts(),
                rows=_valid_rows(results) + _valid_rows(actuals),
            )
        except services.TransitionError as error:
            messages.error(request, error.message)
            return redirect(action)
        if not valid:
            messages.error(
                request,
                ("Le bilan n'est pas transmis : " if transmit else "Le bilan contient des erreurs : ")
                + "corrigez les champs signalés. Vos autres saisies sont enregistrées.",
            )
        elif not transmit:
            messages.success(request, "Le bilan est enregistré : vous pourrez le compléter plus tard.")
            return redirect("actions:bilan", pk=action.pk)
        else:
            try:
                services.report_action(action, by=request.user)
            except services.TransitionError as error:
                messages.error(request, f"{error.message} Vos saisies sont enregistrées comme brouillon.")
                for problem in error.problems:
                    messages.error(request, problem)
                return redirect("actions:bilan", pk=action.pk)
            messages.success(request, "Le bilan est transmis à la coordination de la cité.")
            return redirect(action)
    return render(
        request,
        "actions/action_bilan.html",
        {
            "action": action,
            "bilan_form": bilan_form,
            "beneficiaries": beneficiaries,
            "results": results,
            "actuals": actuals,
            "missing": bilan.missing_items() if bilan.pk else [],
            "bilan_opens_on": action.bilan_opens_on(),
            "page_title": "Bilan de l'action",
            "breadcrumbs": _edit_crumbs(action),
        },
    )


def _valid_rows(formset):
    """The changed rows of a model formset typed without error; a row whose id is not in
    the formset's queryset (another action's) is invalid, hence never written."""
    if not formset.management_form.is_valid():
        return []
    return [form.instance for form in formset.forms if form.instance.pk and form.is_valid() and form.has_changed()]
