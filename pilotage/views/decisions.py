"""Decisions: the COPIL's decision screen (a draft before the meeting is held, applied
after), the validation that notifies the porteurs, and programming outside a COPIL."""

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership, Role
from accounts.scope import get_visible_or_404
from actions.models import SUBSIDY_ACCOUNT, Action, BudgetLine, Opinion
from actions.services import TRANSITIONS
from financements.models import FundingLine
from pilotage import forms, permissions, services

from .common import MEETINGS, _meeting_crumbs


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
        forms.DecisionForm(
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
    meeting = get_visible_or_404(request, MEETINGS, pk=pk, allowed=permissions.can_manage_meeting)
    if not meeting.is_copil:
        raise Http404("Seul un COPIL décide de la programmation.")
    rows = _decision_rows(meeting, request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if all([row.is_valid() for row in rows]):  # a list: every row shows its errors
            decisions = [
                services.Decision(row.item, row.cleaned_data["decision"], row.cleaned_data["comment"], row.amounts)
                for row in rows
            ]
            try:
                applied = services.record_decisions(meeting, decisions, by=request.user)
            except services.DecisionError as failure:
                error = failure
                rows = _decision_rows(meeting, request.POST)  # fresh rows: nothing was saved
                for row in rows:
                    row.is_valid()
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
            "page_title": f"Décisions – {meeting.title}",
            "breadcrumbs": _meeting_crumbs(meeting),
        },
        status=422 if error else 200,
    )


@require_POST
def meeting_validate(request, pk):
    """« Valider les décisions et notifier »: once the COPIL is held and its decisions
    applied, the porteurs receive one e-mail per decided proposal."""
    meeting = get_visible_or_404(request, MEETINGS, pk=pk, allowed=permissions.can_manage_meeting)
    if not meeting.is_copil:
        raise Http404("Seul un COPIL décide de la programmation.")
    try:
        count = services.validate_decisions(meeting, by=request.user)
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
    action = get_visible_or_404(
        request, Action.objects.select_related("cite", "porteur"), pk=action_pk, allowed=permissions.can_programme
    )
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
