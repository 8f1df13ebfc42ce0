"""The proposals list, filtered as on screen, as CSV and XLSX.

XLSX: one sheet, French headers, amounts as numbers with a euro format, dates as dates.
CSV (what French spreadsheet users expect): ``;`` separator, UTF-8 with a BOM, decimal
comma, dates as ``JJ/MM/AAAA``. In both, a text cell starting with ``=``, ``+``, ``-``,
``@`` (or a tab / carriage return) is prefixed with a single quote so that a spreadsheet
never runs it as a formula (CSV/formula injection).

Same conventions as ``financements/exports.py``; the helpers are repeated here because
``financements`` builds on ``actions`` and not the other way round.

The caller passes the actions the user may see, already filtered and ordered
(:func:`actions.filters.filter_actions`).
"""

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import Action

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"
SHEET_TITLE = "Propositions"
FILENAME = "propositions"


def neutralise(text):
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``: shown as text, never evaluated."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Money(Decimal):
    """Marks an amount column (euro format in XLSX, decimal comma in CSV)."""


def _money(value):
    return Money(value or 0)


def table(actions, *, with_reviewers):
    """(headers, rows) for the actions given, in their order. ``with_reviewers``: the
    instruction's columns (never for a partner)."""
    headers = [
        "Référence", "Intitulé", "Porteur", "Cité éducative", "Appel à projets", "Année", "Objectif national",
        "Axe local", "Statut", "Date de dépôt", "Charges prévues", "Produits prévus", "Équilibre",
    ]  # fmt: skip
    if with_reviewers:
        headers.append("Rapporteurs")
    # Totals by subquery on the filtered ids: summing over a join with the filters' own
    # joins (QPV, reviewers) could count a budget line twice.
    totals = {
        row["pk"]: row
        for row in Action.objects.filter(pk__in=actions.order_by().values("pk"))
        .with_budget_totals()
        .values("pk", "charges_total", "produits_total")
    }
    actions = actions.select_related("cite", "call", "porteur", "local_axis")
    if with_reviewers:
        actions = actions.prefetch_related("reviewers")
    rows = []
    for action in actions:
        charges = totals[action.pk]["charges_total"] or Decimal("0")
        produits = totals[action.pk]["produits_total"] or Decimal("0")
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
        rows.append(row)
    return headers, rows


def _filename(suffix):
    return f"{FILENAME}-{timezone.localdate():%Y-%m-%d}{suffix}"


# --- XLSX --------------------------------------------------------------------------------
def _xlsx_value(value):
    if isinstance(value, Money):
        return Decimal(value)
    if isinstance(value, str):
        return neutralise(value)
    return value


def workbook(headers, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append([neutralise(header) for header in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([_xlsx_value(value) for value in values])
        for cell, value in zip(sheet[sheet.max_row], values, strict=True):
            if isinstance(value, Money):
                cell.number_format = EURO_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever openpyxl guessed
    sheet.freeze_panes = "A2"
    for column, header in zip(sheet.columns, headers, strict=True):
        sheet.column_dimensions[column[0].column_letter].width = max(12, min(45, len(header) + 4))
    return book


def xlsx_response(headers, rows):
    buffer = io.BytesIO()
    workbook(headers, rows).save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(".xlsx")}"'
    return response


# --- CSV ---------------------------------------------------------------------------------
def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, Money):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def csv_text(headers, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for values in rows:
        writer.writerow([_csv_value(value) for value in values])
    return buffer.getvalue()


def csv_response(headers, rows):
    content = "\ufeff" + csv_text(headers, rows)
    response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(".csv")}"'
    return response
