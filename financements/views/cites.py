"""A cité's money: the index, the overview of a year, envelopes, the programming table and
the exports (cité staff only; the coordination edits)."""

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import staff_only
from accounts.scope import get_visible_or_404
from cites.models import Cite
from core.permissions import ensure_allowed
from core.views import form_page
from financements import exports, forms, ledger, permissions, services
from financements.history import history_page
from financements.models import Envelope, FundingLine, LineStatus
from financements.overview import cite_overview
from financements.services import FundingError

from .common import _crumbs, _posted, _year


# --- Index and overview ------------------------------------------------------------------
@require_safe
def index(request):
    """Cité staff: the cités they read with the years that have envelopes. Partners: their
    actions' funding."""
    scope = request.scope
    if not scope.is_staff_of_some_cite:
        ensure_allowed(scope.organisations, "Votre rôle ne donne accès à aucun financement.")
        return redirect("financements:my_funding")
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
@require_safe
def overview(request, pk, year):
    cite = get_visible_or_404(request, Cite, pk=pk)
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
@require_safe
def envelope_detail(request, pk):
    envelope = get_visible_or_404(request, Envelope.objects.select_related("cite", "funder"), pk=pk)
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
            "history": history_page(request, envelope.history.all()),
            "page_title": str(envelope),
            "breadcrumbs": _crumbs(envelope.cite, envelope.year),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def envelope_create(request, pk, year):
    cite = get_visible_or_404(request, Cite, pk=pk)
    year = _year(year)
    ensure_allowed(permissions.can_manage_funding(request.user, cite), permissions.READ_ONLY)
    envelope = Envelope(cite=cite, year=year)
    return _envelope_form(request, envelope, title=f"Nouvelle enveloppe {year}")


@staff_only
@require_http_methods(["GET", "POST"])
def envelope_update(request, pk):
    envelope = get_visible_or_404(
        request, Envelope.objects.select_related("cite"), pk=pk, allowed=permissions.can_manage_envelope
    )
    return _envelope_form(request, envelope, title=f"Modifier l'enveloppe « {envelope} »")


def _envelope_form(request, envelope, *, title):
    cite, year = envelope.cite, envelope.year
    form = forms.EnvelopeForm(request.POST or None, instance=envelope, cite=cite)
    done = _posted(
        request,
        form,
        lambda _data: services.save_envelope(form.save(commit=False), by=request.user),
        lambda saved: f"L'enveloppe « {saved} » a été enregistrée.",
        lambda saved: saved,
    )
    if done:
        return done
    cancel = envelope.get_absolute_url() if envelope.pk else reverse("financements:overview", args=[cite.pk, year])
    return form_page(request, form, title=title, breadcrumbs=_crumbs(cite, year), cancel_url=cancel)


# --- Programming table -------------------------------------------------------------------
def _programming_rows(cite, year, data):
    lines = (
        FundingLine.objects.for_cite_year(cite, year)
        .exclude(status=LineStatus.CANCELLED)
        .select_related("action__porteur", "funder", "envelope")
        .with_paid()
        .order_by("action__reference", "action__pk", "funder__name", "pk")
    )
    return [
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


def _programming_changes(rows):
    """``(line, proposed, decided)`` for each changed row, ``UNSET`` for an untouched amount.
    An amount the POST does not carry is untouched: a table sent with rows left out (a page
    opened before a line was added, a tampered form) changes only the rows it contains."""
    changes = []
    for line, form in rows:
        proposed, decided = (
            form.cleaned_data[name]
            if name in form.changed_data and form.add_prefix(name) in form.data
            else services.UNSET
            for name in ("proposed_amount", "decided_amount")
        )
        if (proposed, decided) != (services.UNSET, services.UNSET):
            changes.append((line, proposed, decided))
    return changes


@staff_only
@require_http_methods(["GET", "POST"])
def programming(request, pk, year):
    """Proposed and decided amounts of every line of a cité-year, saved in one POST, all
    or nothing."""
    cite = get_visible_or_404(request, Cite, pk=pk)
    year = _year(year)
    can_manage = permissions.can_manage_funding(request.user, cite)
    if request.method == "POST":
        ensure_allowed(can_manage, permissions.READ_ONLY)
    rows = _programming_rows(cite, year, request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if all(form.is_valid() for _, form in rows):
            changes = _programming_changes(rows)
            try:
                services.set_amounts_bulk(changes, by=request.user)
            except FundingError as refusal:
                error = refusal
            else:
                messages.success(request, f"Programmation enregistrée : {len(changes)} ligne(s) modifiée(s).")
                return redirect("financements:programming", pk=cite.pk, year=year)
        else:
            error = FundingError("Aucun montant n'a été enregistré : corrigez les montants signalés.")
    return render(
        request,
        "financements/programming.html",
        {
            "cite": cite,
            "year": year,
            "rows": rows,
            "envelopes": ledger.envelope_rows(cite, year),
            "error": error,
            "can_manage": can_manage,
            "page_title": f"Programmation {year} – {cite.name}",
            "breadcrumbs": _crumbs(cite, year),
        },
        status=400 if error else 200,
    )


# --- Exports -----------------------------------------------------------------------------
@staff_only
@require_safe
def export_xlsx(request, pk, year):
    cite = get_visible_or_404(request, Cite, pk=pk)
    return exports.xlsx_response(cite, _year(year))


@staff_only
@require_safe
def export_csv(request, pk, year, table):
    cite = get_visible_or_404(request, Cite, pk=pk)
    if table not in exports.TABLES:
        raise Http404("Table inconnue.")
    return exports.csv_response(cite, _year(year), table)
