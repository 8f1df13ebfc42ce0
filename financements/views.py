"""Money pages: a cité's overview for a year, envelopes, an action's funding, the
programming table, legal acts, payments, exports, and the partner's « Mes financements ».

Every object comes from a ``visible_to(user)`` queryset (404 outside the scope); the
role check comes after (403 for a read-only role). Writes go through
:mod:`financements.services`; a refusal is shown in French with the typed values kept.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import staff_only
from actions.models import SUBSIDY_ACCOUNT, Action
from cites.models import Cite
from core.formatting import format_euros
from core.params import is_portal_year
from core.views import form_page

from . import exports, forms, ledger, permissions, services
from .history import history_entries
from .models import Envelope, FundingLine, LineStatus, Payment
from .overview import cite_overview
from .services import FundingError

READ_ONLY = "Votre rôle permet de consulter les financements de la cité, pas de les modifier."


def _year(year):
    if not is_portal_year(year):
        raise Http404("Année hors du champ du portail.")
    return year


def _cite(request, pk):
    cite = get_object_or_404(Cite.objects.visible_to(request.user), pk=pk)
    return cite


def _managed(request, cite):
    if not permissions.can_manage_funding(request.user, cite):
        raise PermissionDenied(READ_ONLY)


def _crumbs(cite=None, year=None):
    crumbs = [("Financements", reverse("financements:index"))]
    if cite is not None:
        crumbs.append((f"{cite.name} – {year}", reverse("financements:overview", args=[cite.pk, year])))
    return crumbs


def _refusal(request, form, error):
    """Show a service refusal on the form (typed values stay in the bound form); a role
    the service does not allow is a 403."""
    if isinstance(error, services.FundingNotAllowed):
        raise PermissionDenied(error.message)
    form.add_error(None, error.message)
    for problem in error.problems:
        form.add_error(None, problem)


# --- Index and overview ------------------------------------------------------------------
def index(request):
    """Cité staff: the cités they read with the years that have envelopes. Partners: their
    actions' funding."""
    scope = request.scope
    if not scope.is_staff_of_some_cite:
        if scope.organisations:
            return redirect("financements:my_funding")
        raise PermissionDenied("Votre rôle ne donne accès à aucun financement.")
    cites = list(Cite.objects.visible_to(request.user).order_by("name"))
    years = {}
    for row in (
        Envelope.objects.visible_to(request.user)
        .values("cite_id", "year")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("cite_id", "-year")
    ):
        years.setdefault(row["cite_id"], []).append(row)
    current = timezone.localdate().year
    rows = [(cite, years.get(cite.pk, [])) for cite in cites]
    return render(
        request,
        "financements/index.html",
        {"rows": rows, "current_year": current, "page_title": "Financements", "breadcrumbs": []},
    )


@staff_only
def overview(request, pk, year):
    cite = _cite(request, pk)
    year = _year(year)
    data = cite_overview(cite, year)
    return render(
        request,
        "financements/overview.html",
        {
            "cite": cite,
            "year": year,
            "overview": data,
            "can_manage": permissions.can_manage_funding(request.user, cite),
            "previous_year": year - 1,
            "next_year": year + 1,
            "page_title": f"Financements {year} – {cite.name}",
            "breadcrumbs": _crumbs(),
        },
    )


# --- Envelopes ---------------------------------------------------------------------------
@staff_only
def envelope_detail(request, pk):
    envelope = get_object_or_404(Envelope.objects.visible_to(request.user).select_related("cite", "funder"), pk=pk)
    lines = list(
        envelope.lines.select_related("action__porteur", "funder").with_paid().order_by("action__reference", "pk")
    )
    return render(
        request,
        "financements/envelope_detail.html",
        {
            "envelope": envelope,
            "money": ledger.for_envelopes([envelope])[envelope.pk],
            "cite": envelope.cite,
            "lines": lines,
            "can_manage": permissions.can_manage_funding(request.user, envelope.cite),
            "history": history_entries(envelope.history.all()),
            "page_title": str(envelope),
            "breadcrumbs": _crumbs(envelope.cite, envelope.year),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def envelope_create(request, pk, year):
    cite = _cite(request, pk)
    year = _year(year)
    _managed(request, cite)
    envelope = Envelope(cite=cite, year=year)
    return _envelope_form(request, envelope, title=f"Nouvelle enveloppe {year}")


@staff_only
@require_http_methods(["GET", "POST"])
def envelope_update(request, pk):
    envelope = get_object_or_404(Envelope.objects.visible_to(request.user).select_related("cite"), pk=pk)
    _managed(request, envelope.cite)
    return _envelope_form(request, envelope, title=f"Modifier l'enveloppe « {envelope} »")


def _envelope_form(request, envelope, *, title):
    cite, year = envelope.cite, envelope.year
    form = forms.EnvelopeForm(request.POST or None, instance=envelope, cite=cite)
    if request.method == "POST" and form.is_valid():
        try:
            envelope = services.save_envelope(form.save(commit=False), by=request.user)
        except FundingError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, f"L'enveloppe « {envelope} » a été enregistrée.")
            return redirect(envelope)
    cancel = envelope.get_absolute_url() if envelope.pk else reverse("financements:overview", args=[cite.pk, year])
    return form_page(request, form, title=title, breadcrumbs=_crumbs(cite, year), cancel_url=cancel)


# --- An action's funding -----------------------------------------------------------------
def _visible_action(request, pk):
    return get_object_or_404(Action.objects.visible_to(request.user).select_related("cite", "porteur"), pk=pk)


def action_funding(request, pk):
    """The funding lines and payments of one action: cité staff, and its porteur."""
    action = _visible_action(request, pk)
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
    action = _visible_action(request, pk)
    _managed(request, action.cite)
    if action.status == Action.Status.DRAFT:
        raise PermissionDenied("Un brouillon n'a pas encore de financement.")
    created = services.create_lines_from_budget(action, by=request.user)
    if created:
        messages.success(request, f"{len(created)} ligne(s) de financement créée(s) depuis le budget prévisionnel.")
    else:
        messages.info(request, "Toutes les subventions du budget ont déjà leur ligne de financement.")
    return redirect("financements:action_funding", pk=action.pk)


# --- One line ----------------------------------------------------------------------------
def _visible_line(request, pk):
    return get_object_or_404(
        FundingLine.objects.visible_to(request.user)
        .select_related("action__cite", "action__porteur", "funder", "envelope")
        .with_paid(),
        pk=pk,
    )


def _managed_line(request, pk):
    line = _visible_line(request, pk)
    _managed(request, line.action.cite)
    return line


def line_detail(request, pk):
    line = _visible_line(request, pk)
    is_staff = request.scope.can_read_cite(line.action.cite)
    payments = list(line.payments.order_by("date", "pk"))
    history = []
    transitions = []
    if is_staff:
        transitions = list(line.transitions.select_related("actor").order_by("created_at", "pk"))
        history = history_entries(
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


def _line_crumbs(line):
    return [
        *_crumbs(line.action.cite, line.action.year),
        (line.action.title, reverse("financements:action_funding", args=[line.action_id])),
        (str(line.funder), line.get_absolute_url()),
    ]


@require_http_methods(["GET", "POST"])
def line_amounts(request, pk):
    line = _managed_line(request, pk)
    initial = {
        "proposed_amount": line.proposed_amount,
        "decided_amount": line.decided_amount,
        "envelope": line.envelope,
        "external_reference": line.external_reference,
    }
    form = forms.AmountsForm(request.POST or None, initial=initial, line=line)
    if request.method == "POST" and form.is_valid():
        changed = form.changed_data
        data = form.cleaned_data
        values = {
            name: data[field]
            for name, field in (
                ("proposed", "proposed_amount"),
                ("decided", "decided_amount"),
                ("envelope", "envelope"),
                ("external_reference", "external_reference"),
            )
            if field in changed
        }
        try:
            services.update_line(line, by=request.user, **values)
        except FundingError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, "Les montants de la ligne ont été enregistrés.")
            return redirect(line)
    return form_page(
        request,
        form,
        title=f"Montants – {line.funder}",
        intro=f"Action « {line.action.title} » ({line.action.porteur}) : "
        f"{format_euros(line.requested_amount)} demandés.",
        breadcrumbs=_line_crumbs(line),
        cancel_url=line.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
def line_legal_act(request, pk):
    line = _managed_line(request, pk)
    initial = {"act_type": line.legal_act_type, "reference": line.legal_act_reference, "date": line.legal_act_date}
    form = forms.LegalActForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_legal_act(
                line, act_type=data["act_type"], reference=data["reference"], date=data["date"], by=request.user
            )
        except FundingError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, "L'acte juridique a été enregistré : la ligne est engagée.")
            return redirect(line)
    return form_page(
        request,
        form,
        title=f"Acte juridique – {line.funder}",
        breadcrumbs=_line_crumbs(line),
        cancel_url=line.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
def line_payment(request, pk):
    line = _managed_line(request, pk)
    form = forms.PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.record_payment(
                line,
                kind=data["kind"],
                amount=data["amount"],
                date=data["date"],
                reference=data["reference"],
                by=request.user,
            )
        except FundingError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, f"Versement enregistré : {payment.get_kind_display().lower()}.")
            return redirect(line)
    return form_page(
        request,
        form,
        title=f"Enregistrer un versement – {line.funder}",
        breadcrumbs=_line_crumbs(line),
        cancel_url=line.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
def line_status(request, pk):
    line = _managed_line(request, pk)
    form = forms.StatusForm(request.POST or None, line=line)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_status(
                line,
                data["status"],
                amount_to_recover=data["amount_to_recover"],
                comment=data["comment"],
                by=request.user,
            )
        except FundingError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, f"La ligne est maintenant « {line.get_status_display()} ».")
            return redirect(line)
    return form_page(
        request,
        form,
        title=f"Changer le statut – {line.funder}",
        intro=f"Statut actuel : « {line.get_status_display()} ».",
        breadcrumbs=_line_crumbs(line),
        cancel_url=line.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
def line_recovery(request, pk):
    """The porteur gave back the amount to recover: the titre de recette is recorded."""
    line = _managed_line(request, pk)
    form = forms.RecoveryForm(request.POST or None, line=line)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_recovery(
                line,
                amount=data["amount"],
                date=data["date"],
                reference=data["reference"],
                comment=data["comment"],
                by=request.user,
            )
        except FundingError as error:
            _refusal(request, form, error)
        else:
            messages.success(request, f"Reversement enregistré : la ligne est « {line.get_status_display()} ».")
            return redirect(line)
    return render(
        request,
        "financements/recovery_form.html",
        {
            "form": form,
            "line": line,
            "page_title": f"Enregistrer le reversement – {line.funder}",
            "breadcrumbs": _line_crumbs(line),
        },
    )


# --- Programming table -------------------------------------------------------------------
@staff_only
@require_http_methods(["GET", "POST"])
def programming(request, pk, year):
    """Proposed and decided amounts of every line of a cité-year, saved in one POST, all
    or nothing."""
    cite = _cite(request, pk)
    year = _year(year)
    can_manage = permissions.can_manage_funding(request.user, cite)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(READ_ONLY)
    lines = list(
        FundingLine.objects.for_cite_year(cite, year)
        .exclude(status=LineStatus.CANCELLED)
        .select_related("action__porteur", "funder", "envelope")
        .with_paid()
        .order_by("action__reference", "action__pk", "funder__name", "pk")
    )
    data = request.POST if request.method == "POST" else None
    rows = [
        (
            line,
            forms.ProgrammingRowForm(
                data,
                line=line,
                prefix=f"l{line.pk}",
                initial={"proposed_amount": line.proposed_amount, "decided_amount": line.decided_amount},
            ),
        )
        for line in lines
    ]
    error = None
    if request.method == "POST":
        if all(form.is_valid() for _, form in rows):
            changes = []
            for line, form in rows:
                proposed = form.cleaned_data["proposed_amount"] if "proposed_amount" in form.changed_data else None
                decided = form.cleaned_data["decided_amount"] if "decided_amount" in form.changed_data else None
                if form.changed_data:
                    changes.append(
                        (
                            line,
                            proposed if "proposed_amount" in form.changed_data else services.UNSET,
                            decided if "decided_amount" in form.changed_data else services.UNSET,
                        )
                    )
            try:
                services.set_amounts_bulk(changes, by=request.user)
            except FundingError as refusal:
                error = refusal
            else:
                messages.success(request, f"Programmation enregistrée : {len(changes)} ligne(s) modifiée(s).")
                return redirect("financements:programming", pk=cite.pk, year=year)
        else:
            error = FundingError("Aucun montant n'a été enregistré : corrigez les montants signalés.")
    envelopes = ledger.envelope_rows(cite, year)
    return render(
        request,
        "financements/programming.html",
        {
            "cite": cite,
            "year": year,
            "rows": rows,
            "envelopes": envelopes,
            "error": error,
            "can_manage": can_manage,
            "page_title": f"Programmation {year} – {cite.name}",
            "breadcrumbs": _crumbs(cite, year),
        },
        status=400 if error else 200,
    )


# --- Exports -----------------------------------------------------------------------------
@staff_only
def export_xlsx(request, pk, year):
    cite = _cite(request, pk)
    return exports.xlsx_response(cite, _year(year))


@staff_only
def export_csv(request, pk, year, table):
    cite = _cite(request, pk)
    if table not in exports.TABLES:
        raise Http404("Table inconnue.")
    return exports.csv_response(cite, _year(year), table)


# --- Partner view ------------------------------------------------------------------------
def my_funding(request):
    """For each action of the user's organisations: what each funder decided, committed
    and paid."""
    organisations = request.scope.organisations
    if not organisations:
        raise PermissionDenied("Cette page est celle des porteurs de projet.")
    lines = list(
        FundingLine.objects.visible_to(request.user)
        .filter(action__porteur_id__in=organisations)
        .select_related("action__cite", "action__porteur", "funder", "envelope")
        .with_paid()
        .order_by("-action__year", "action__reference", "action__pk", "funder__name", "pk")
    )
    actions_without_lines = list(
        Action.objects.visible_to(request.user)
        .filter(porteur_id__in=organisations, funding_lines__isnull=True)
        .exclude(Q(status=Action.Status.DRAFT) | Q(status=Action.Status.WITHDRAWN))
        .select_related("cite")
        .order_by("-year", "reference", "pk")
    )
    return render(
        request,
        "financements/my_funding.html",
        {
            "lines": lines,
            "actions_without_lines": actions_without_lines,
            "page_title": "Mes financements",
            "breadcrumbs": [],
        },
    )
