"""CSV and XLSX downloads, the same way for every export of the portal.

Domain-free plumbing shared by every floor (like the template tags beside it): each app
builds its own (headers, rows) and hands them here.

XLSX: one sheet per table, bold French headers, amounts as numbers with a euro format,
dates as dates. CSV (what French spreadsheet users expect): ``;`` separator, UTF-8 with a
BOM, decimal comma, dates as ``JJ/MM/AAAA``. In both, a text cell starting with ``=``,
``+``, ``-``, ``@`` (or a tab / carriage return) is prefixed with a single quote so that a
spreadsheet never runs it as a formula (CSV/formula injection).
"""

import csv
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from .files import private_download

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text):
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``: shown as text, never evaluated."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Money(Decimal):
    """Marks an amount column (euro format in XLSX, decimal comma in CSV)."""


def money(value):
    return None if value is None else Money(value)


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def csv_cell(value):
    value = _as_date(value)
    if value is None:
        return ""
    if isinstance(value, Money):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def xlsx_cell(value):
    value = _as_date(value)
    if isinstance(value, Money):
        return Decimal(value)
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_text(headers, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for values in rows:
        writer.writerow([csv_cell(value) for value in values])
    return buffer.getvalue()


def workbook(sheets):
    """``sheets``: ``[(title, headers, rows)…]``, one worksheet each."""
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append([neutralise(header) for header in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows:
            sheet.append([xlsx_cell(value) for value in values])
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


def csv_response(headers, rows, filename):
    return private_download(
        ("\ufeff" + csv_text(headers, rows)).encode("utf-8"), filename=filename, content_type="text/csv; charset=utf-8"
    )


def xlsx_response(sheets, filename):
    buffer = io.BytesIO()
    workbook(sheets).save(buffer)
    return private_download(buffer.getvalue(), filename=filename, content_type=XLSX_TYPE)
