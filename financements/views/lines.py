"""An action's funding, and one funding line with its screens: amounts, legal act,
payment, status, recovery (the coordination edits; cité staff and the porteur read)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.scope import get_visible_or_404
from actions.models import SUBSIDY_ACCOUNT, Action
from core.formatting import format_euros
from core.permissions import ensure_allowed
from core.views import form_page
from financements import forms, ledger, permissions, services
from financements.history import history_page
from financements.models import FundingLine, Payment

from .common import _crumbs, _posted

ACTIONS = Action.objects.select_related("cite", "porteur")
LINES = FundingLine.objects.select_related("action__cite", "action__porteur", "funder", "envelope").with_paid()


# --- An action's funding -----------------------------------------------------------------
@require_safe
def action_funding(request, pk):
    """The funding lines and payments of one action: cité staff, and its porteur."""
    action = get_visible_or_404(request, ACTIONS, pk=pk)
    lines = list(action.funding_lines.select_related("funder", "envelope").with_paid().order_by("funder__name", "pk"))
    payments = list(Payment.objects.filter(line__action=action).select_related("line__funder").order_by("date", "pk"))
    can_manage = permissions.can_manage_funding(request.user, action.cite)
    is_staff = request.scope.can_read_cite(action.cite)
    pending = (
        action.budget_lines.filter(account=SUBSIDY_ACCOUNT, funding_line__isnull=True).count() if can_manage else 0
    )
    return render(
        request,
        "financements/action_funding.html",
        {
            "action": action,
            "lines": lines,
            "payments": payments,
            "totals": ledger.action_figures([action.pk]).get(action.pk, ledger.Figures()),
            "can_manage": can_manage,
            "is_staff": is_staff,
            "pending_budget_lines": pending,
            "can_create_lines": can_manage and action.status != Action.Status.DRAFT and pending > 0,
            "page_title": f"Financement – {action.title}",
            "breadcrumbs": _crumbs(action.cite, action.year)
            if is_staff
            else [("Mes financements", reverse("financements:my_funding"))],
        },
    )


@require_POST
def lines_from_budget(request, pk):
    action = get_visible_or_404(request, ACTIONS, pk=pk)
    ensure_allowed(permissions.can_manage_funding(request.user, action.cite), permissions.READ_ONLY)
    ensure_allowed(action.status != Action.Status.DRAFT, "Un brouillon n'a pas encore de financement.")
    created = services.create_lines_from_budget(action, by=request.user)
    if created:
        messages.success(request, f"{len(created)} ligne(s) de financement créée(s) depuis le budget prévisionnel.")
    else:
        messages.info(request, "Toutes les subventions du budget ont déjà leur ligne de financement.")
    return redirect("financements:action_funding", pk=action.pk)


# --- One line ----------------------------------------------------------------------------
@require_safe
def line_detail(request, pk):
    line = get_visible_or_404(request, LINES, pk=pk)
    is_staff = request.scope.can_read_cite(line.action.cite)
    payments = list(line.payments.order_by("date", "pk"))
    history = []
    transitions = []
    if is_staff:
        transitions = list(line.transitions.select_related("actor").order_by("created_at", "pk"))
        history = history_page(
            request,
            line.history.all(),
            Payment.history.filter(line_id=line.pk),
            subject=lambda record: "Versement" if record.instance_type is Payment else "Ligne",
        )
    return render(
        request,
        "financements/line_detail.html",
        {
            "line": line,
            "action": line.action,
            "payments": payments,
            "history": history,
            "transitions": transitions,
            "is_staff": is_staff,
            "can_manage": permissions.can_manage_funding(request.user, line.action.cite),
            "allowed_transitions": services.allowed_transitions(line, request.user),
            "page_title": f"{line.funder} – {line.action.title}",
            "breadcrumbs": [
                *(_crumbs(line.action.cite, line.action.year) if is_staff else []),
                (line.action.title, reverse("financements:action_funding", args=[line.action_id])),
            ],
        },
    )


def _line_step(request, form, line, step, success):
    """``step``: the service, then the form's fields it takes as keyword arguments."""
    service, *names = step
    return _posted(
        request,
        form,
        lambda data: service(line, by=request.user, **{name: data[name] for name in names}),
        success,
        line,
    )


def _line_crumbs(line):
    return [
        *_crumbs(line.action.cite, line.action.year),
        (line.action.title, reverse("financements:action_funding", args=[line.action_id])),
        (str(line.funder), line.get_absolute_url()),
    ]


def _line_form_page(request, line, form, title, intro=""):
    return form_page(
        request,
        form,
        title=f"{title} – {line.funder}",
        intro=intro,
        breadcrumbs=_line_crumbs(line),
        cancel_url=line.get_absolute_url(),
    )


AMOUNT_FIELDS = (
    ("proposed", "proposed_amount"),
    ("decided", "decided_amount"),
    ("envelope", "envelope"),
    ("external_reference", "external_reference"),
)


@require_http_methods(["GET", "POST"])
def line_amounts(request, pk):
    line = get_visible_or_404(request, LINES, pk=pk, allowed=permissions.can_manage_line)
    initial = {field: getattr(line, field) for _, field in AMOUNT_FIELDS}
    form = forms.AmountsForm(request.POST or None, initial=initial, line=line)

    def write(data):
        values = {name: data[field] for name, field in AMOUNT_FIELDS if field in form.changed_data}
        return services.update_line(line, by=request.user, **values)

    done = _posted(request, form, write, lambda _: "Les montants de la ligne ont été enregistrés.", line)
    intro = f"Action « {line.action.title} » ({line.action.porteur}) : {format_euros(line.requested_amount)} demandés."
    return done or _line_form_page(request, line, form, "Montants", intro)


@require_http_methods(["GET", "POST"])
def line_legal_act(request, pk):
    line = get_visible_or_404(request, LINES, pk=pk, allowed=permissions.can_manage_line)
    initial = {"act_type": line.legal_act_type, "reference": line.legal_act_reference, "date": line.legal_act_date}
    form = forms.LegalActForm(request.POST or None, initial=initial)
    step = (services.record_legal_act, "act_type", "reference", "date")
    done = _line_step(request, form, line, step, lambda _: "L'acte juridique a été enregistré : la ligne est engagée.")
    return done or _line_form_page(request, line, form, "Acte juridique")


@require_http_methods(["GET", "POST"])
def line_payment(request, pk):
    line = get_visible_or_404(request, LINES, pk=pk, allowed=permissions.can_manage_line)
    form = forms.PaymentForm(request.POST or None)
    step = (services.record_payment, "kind", "amount", "date", "reference")
    done = _line_step(request, form, line, step, lambda p: f"Versement enregistré : {p.get_kind_display().lower()}.")
    return done or _line_form_page(request, line, form, "Enregistrer un versement")


@require_http_methods(["GET", "POST"])
def line_status(request, pk):
    line = get_visible_or_404(request, LINES, pk=pk, allowed=permissions.can_manage_line)
    form = forms.StatusForm(request.POST or None, line=line)
    intro = f"Statut actuel : « {line.get_status_display()} »."
    step = (services.change_status, "status", "amount_to_recover", "comment")
    done = _line_step(request, form, line, step, lambda _: f"La ligne est maintenant « {line.get_status_display()} ».")
    return done or _line_form_page(request, line, form, "Changer le statut", intro)


@require_http_methods(["GET", "POST"])
def line_recovery(request, pk):
    """The porteur gave back the amount to recover: the titre de recette is recorded."""
    line = get_visible_or_404(request, LINES, pk=pk, allowed=permissions.can_manage_line)
    form = forms.RecoveryForm(request.POST or None, line=line)
    step = (services.record_recovery, "amount", "date", "reference", "comment")
    done = _line_step(
        request, form, line, step, lambda _: f"Reversement enregistré : la ligne est « {line.get_status_display()} »."
    )
    return done or render(
        request,
        "financements/recovery_form.html",
        {
            "form": form,
            "line": line,
            "page_title": f"Enregistrer le reversement – {line.funder}",
            "breadcrumbs": _line_crumbs(line),
        },
    )
