"""The proposals list, filtered as on screen, as CSV and XLSX.

XLSX: one sheet, French headers, amounts as numbers with a euro format, dates as dates.
CSV (what French spreadsheet users expect): ``;`` separator, UTF-8 with a BOM, decimal
comma, dates as ``JJ/MM/AAAA``. In both, a text cell starting with ``=``, ``+``, ``-``,
``@`` (or a tab / carriage return) is prefixed with a single quote so that a spreadsheet
never runs it as a formula (CSV/formula injection).

The file formats themselves are :mod:`core.spreadsheets`, shared by every export.

The caller passes the actions the user may see, already filtered and ordered
(:func:`actions.filters.filter_actions`).
"""

from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from core import spreadsheets
from core.spreadsheets import Money

from .models import BudgetLine

CHUNK_SIZE = 2000  # actions per fetch of the server-side cursor
SHEET_TITLE = "Propositions"
FILENAME = "propositions"


def _money(value):
    return Money(value or 0)


def _budget_total(side):
    """The action's planned total on one side, by correlated subquery: summing over a join
    with the filters' own joins (QPV, reviewers) could count a budget line twice."""
    lines = (
        BudgetLine.objects.filter(action=OuterRef("pk"), side=side)
        .order_by()
        .values("action")
        .annotate(total=Sum("amount_planned"))
        .values("total")
    )
    return Subquery(lines)


def _row(action, with_reviewers):
    charges = action.export_charges or Decimal("0")
    produits = action.export_produits or Decimal("0")
    row = [
        action.reference or "",
        action.title,
        action.porteur.name,
        action.cite.name,
        action.call.title if action.call else "",
        action.year,
        action.get_national_objective_display() if action.national_objective else "",
        f"{action.local_axis.code} – {action.local_axis.title}" if action.local_axis else "",
        action.get_status_display(),
        timezone.localtime(action.submitted_at).date() if action.submitted_at else None,
        _money(charges),
        _money(produits),
        "Équilibré" if charges and charges == produits else "Non équilibré",
    ]
    if with_reviewers:
        row.append(", ".join(sorted(reviewer.full_name for reviewer in action.reviewers.all())))
    return row


def table(actions, *, with_reviewers):
    """(headers, rows) for the actions given, in their order. ``with_reviewers``: the
    instruction's columns (never for a partner).

    ``rows`` is a generator over a server-side cursor (``iterator``): the actions are read
    ``CHUNK_SIZE`` at a time, each chunk with its reviewers in one more query, so memory
    and the number of queries per row stay constant whatever the size of the list."""
    headers = [
        "Référence", "Intitulé", "Porteur", "Cité éducative", "Appel à projets", "Année", "Objectif national",
        "Axe local", "Statut", "Date de dépôt", "Charges prévues", "Produits prévus", "Équilibre",
    ]  # fmt: skip
    if with_reviewers:
        headers.append("Rapporteurs")
    actions = actions.select_related("cite", "call", "porteur", "local_axis").annotate(
        export_charges=_budget_total(BudgetLine.Side.CHARGE), export_produits=_budget_total(BudgetLine.Side.PRODUIT)
    )
    if with_reviewers:
        actions = actions.prefetch_related("reviewers")
    rows = (_row(action, with_reviewers) for action in actions.iterator(chunk_size=CHUNK_SIZE))
    return headers, rows


def _filename(suffix):
    return f"{FILENAME}-{timezone.localdate():%Y-%m-%d}{suffix}"


def xlsx_response(headers, rows):
    return spreadsheets.xlsx_response([(SHEET_TITLE, headers, rows)], _filename(".xlsx"))


def csv_response(headers, rows):
    return spreadsheets.csv_response(headers, rows, _filename(".csv"))
