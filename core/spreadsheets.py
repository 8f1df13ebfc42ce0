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
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .files import private_download

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


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


CSV_BATCH = 200  # rows per chunk of a streamed CSV: few chunks, each small


def _csv_writer(buffer):
    return csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


def csv_chunks(headers, rows):
    """The CSV text in chunks of ``CSV_BATCH`` rows, the BOM first: ``rows`` is consumed
    lazily (an iterator over a server-side cursor stays one batch in memory)."""
    buffer = io.StringIO()
    writer = _csv_writer(buffer)
    writer.writerow([neutralise(header) for header in headers])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, values in enumerate(rows, 1):
        writer.writerow([csv_cell(value) for value in values])
        if count % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _styled(sheet, value):
    """The cell of one value: a plain value when it needs no format (openpyxl's writer
    then reuses one cell object), a styled write-only cell for amounts and dates."""
    converted = xlsx_cell(value)
    if isinstance(value, Money):
        cell = WriteOnlyCell(sheet, value=converted)
        cell.number_format = EURO_FORMAT
        return cell
    if isinstance(converted, datetime.date):
        cell = WriteOnlyCell(sheet, value=converted)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(converted, str) and converted in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value=converted)
        cell.data_type = "s"  # "#N/A" typed by a user is a text, not an error value
        return cell
    # Any other text is neutralised: it never starts with "=", so openpyxl stores it as a
    # string, never as a formula (tests/financements/test_exports.py checks every cell).
    return converted


def workbook(sheets):
    """``sheets``: ``[(title, headers, rows)…]``, one worksheet each, in openpyxl's
    write-only mode: each row goes to the sheet's temporary file as it comes (linear time,
    constant memory; no random access, so nothing ever reads ``max_row``). ``rows`` may be
    an iterator. Widths and the frozen header row are set before the first row, as the
    write-only mode requires."""
    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, 1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(45, len(header) + 4))
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=neutralise(header))
            cell.font = BOLD
            cell.data_type = "s"
            header_cells.append(cell)
        sheet.append(header_cells)
        for values in rows:
            sheet.append([_styled(sheet, value) for value in values])
    return book


def csv_response(headers, rows, filename):
    """A streamed CSV: the rows are read and sent as the client downloads."""
    return private_download(
        (chunk.encode("utf-8") for chunk in csv_chunks(headers, rows)),
        filename=filename,
        content_type="text/csv; charset=utf-8",
    )


def xlsx_response(sheets, filename):
    """The rows go to the write-only sheets' temporary files as they are read; the zipped
    file (an XLSX cannot be sent before its last row) is then answered from memory: about
    50 bytes a row once compressed, where the rows themselves never stay in memory. (A
    file streamed from disk would stay open on every test that does not read it.)"""
    buffer = io.BytesIO()
    workbook(sheets).save(buffer)
    return private_download(buffer.getvalue(), filename=filename, content_type=XLSX_TYPE)
