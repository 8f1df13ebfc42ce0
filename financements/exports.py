"""Envelopes, funding lines and payments of a cité for a year, as XLSX and CSV.

XLSX: one sheet per table, French headers, amounts as numbers with a euro format, dates
as dates. CSV (what French spreadsheet users expect): ``;`` separator, UTF-8 with a BOM,
decimal comma, dates as ``JJ/MM/AAAA``. In both, a text cell starting with ``=``, ``+``,
``-``, ``@`` (or a tab / carriage return) is prefixed with a single quote so that a
spreadsheet never runs it as a formula (CSV/formula injection).

The caller has already checked that the user reads the cité: the querysets below are
filtered on that cité.
"""

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import Envelope, FundingLine, Payment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"


def neutralise(text):
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``: shown as text, never evaluated."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Money(Decimal):
    """Marks an amount column (euro format in XLSX, decimal comma in CSV)."""


def _money(value):
    return None if value is None else Money(value)


def envelope_table(cite, year):
    headers = [
        "Financeur", "Programme", "Année", "Montant de l'enveloppe", "Demandé", "Décidé", "Engagé",
        "Versé", "Justifié", "Reste à programmer", "Référence juridique",
    ]  # fmt: skip
    rows = []
    for envelope in (
        Envelope.objects.for_cite_year(cite, year)
        .with_totals()
        .select_related("funder")
        .order_by("funder__name", "programme", "pk")
    ):
        rows.append(
            [
                envelope.funder.name,
                envelope.get_programme_display(),
                envelope.year,
                _money(envelope.amount),
                _money(envelope.requested_total),
                _money(envelope.decided_total),
                _money(envelope.committed_total),
                _money(envelope.paid_total),
                _money(envelope.justified_total),
                _money(envelope.remaining),
                envelope.legal_reference,
            ]
        )
    return "Enveloppes", headers, rows


def line_table(cite, year):
    headers = [
        "Référence de l'action", "Action", "Porteur", "Financeur", "Programme", "Demandé", "Proposé", "Décidé",
        "Versé", "Statut", "Acte juridique", "Référence de l'acte", "Date de l'acte", "Référence externe",
        "À reverser",
    ]  # fmt: skip
    rows = []
    for line in (
        FundingLine.objects.for_cite_year(cite, year)
        .select_related("action__porteur", "funder", "envelope")
        .with_paid()
        .order_by("action__reference", "action__pk", "funder__name", "pk")
    ):
        rows.append(
            [
                line.action.reference or "",
                line.action.title,
                line.action.porteur.name,
                line.funder.name,
                line.programme_label,
                _money(line.requested_amount),
                _money(line.proposed_amount),
                _money(line.decided_amount),
                _money(line.paid_total),
                line.get_status_display(),
                line.get_legal_act_type_display() if line.legal_act_type else "",
                line.legal_act_reference,
                line.legal_act_date,
                line.external_reference,
                _money(line.amount_to_recover),
            ]
        )
    return "Lignes de financement", headers, rows


def payment_table(cite, year):
    headers = ["Référence de l'action", "Action", "Porteur", "Financeur", "Nature", "Montant", "Date", "Référence"]
    rows = []
    for payment in (
        Payment.objects.for_cite_year(cite, year)
        .select_related("line__action__porteur", "line__funder")
        .order_by("date", "pk")
    ):
        action = payment.line.action
        rows.append(
            [
                action.reference or "",
                action.title,
                action.porteur.name,
                payment.line.funder.name,
                payment.get_kind_display(),
                _money(payment.amount),
                payment.date,
                payment.reference,
            ]
        )
    return "Versements", headers, rows


TABLES = {"enveloppes": envelope_table, "lignes": line_table, "versements": payment_table}


def _filename(cite, year, suffix):
    return f"financements-{slugify(cite.code)}-{year}{suffix}"


# --- XLSX --------------------------------------------------------------------------------
def workbook(cite, year):
    book = Workbook()
    book.remove(book.active)
    for build in TABLES.values():
        title, headers, rows = build(cite, year)
        sheet = book.create_sheet(title=title)
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


def _xlsx_value(value):
    if isinstance(value, Money):
        return Decimal(value)
    if isinstance(value, str):
        return neutralise(value)
    return value


def xlsx_response(cite, year):
    buffer = io.BytesIO()
    workbook(cite, year).save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(cite, year, ".xlsx")}"'
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


def csv_text(cite, year, table):
    _, headers, rows = TABLES[table](cite, year)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for values in rows:
        writer.writerow([_csv_value(value) for value in values])
    return buffer.getvalue()


def csv_response(cite, year, table):
    content = "\ufeff" + csv_text(cite, year, table)
    response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(cite, year, f"-{table}.csv")}"'
    return response
