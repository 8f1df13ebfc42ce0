"""Envelopes, funding lines and payments of a cité for a year, as XLSX and CSV.

XLSX: one sheet per table; CSV: one file per table. The formats (euro amounts, French
dates and decimal comma, neutralised formulas) are :mod:`core.spreadsheets`.

The lines and payments are read from a server-side cursor (``iterator``) as the file is
written: rows are generators, so memory does not grow with them (a streamed CSV, a
write-only XLSX). The caller has already checked that the user reads the cité: the querysets below are
filtered on that cité.
"""

from django.utils.text import slugify

from core import spreadsheets
from core.spreadsheets import money

from . import ledger
from .models import FundingLine, Payment

_money = money
CHUNK_SIZE = 2000  # rows per fetch of the server-side cursor


def envelope_table(cite, year):
    """Per envelope, then the money outside envelopes per funder, then the total: the
    ledger's rows, as on the overview page."""
    headers = [
        "Financeur", "Programme", "Année", "Montant de l'enveloppe", "Demandé", "Proposé", "Décidé", "Engagé",
        "Versé", "Justifié", "À reverser", "Reversé", "Reste à programmer", "Référence juridique",
    ]  # fmt: skip
    rows = ledger.envelope_rows(cite, year)
    table = []
    for row in [*rows, ledger.total(rows)]:
        table.append(
            [
                row.label,
                row.programme,
                year,
                _money(row.envelope),
                _money(row.requested),
                _money(row.proposed),
                _money(row.decided),
                _money(row.committed),
                _money(row.paid),
                _money(row.justified),
                _money(row.to_recover),
                _money(row.recovered),
                _money(row.remaining),
                row.envelope_obj.legal_reference if row.envelope_obj else "",
            ]
        )
    return "Enveloppes", headers, table


def _line_row(line):
    return [
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


def line_table(cite, year):
    headers = [
        "Référence de l'action", "Action", "Porteur", "Financeur", "Programme", "Demandé", "Proposé", "Décidé",
        "Versé", "Statut", "Acte juridique", "Référence de l'acte", "Date de l'acte", "Référence externe",
        "À reverser",
    ]  # fmt: skip
    lines = (
        FundingLine.objects.for_cite_year(cite, year)
        .select_related("action__porteur", "funder", "envelope")
        .with_paid()
        .order_by("action__reference", "action__pk", "funder__name", "pk")
    )
    rows = (_line_row(line) for line in lines.iterator(chunk_size=CHUNK_SIZE))
    return "Lignes de financement", headers, rows


def _payment_row(payment):
    action = payment.line.action
    return [
        action.reference or "",
        action.title,
        action.porteur.name,
        payment.line.funder.name,
        payment.get_kind_display(),
        _money(payment.amount),
        payment.date,
        payment.reference,
    ]


def payment_table(cite, year):
    headers = ["Référence de l'action", "Action", "Porteur", "Financeur", "Nature", "Montant", "Date", "Référence"]
    payments = (
        Payment.objects.for_cite_year(cite, year)
        .select_related("line__action__porteur", "line__funder")
        .order_by("date", "pk")
    )
    rows = (_payment_row(payment) for payment in payments.iterator(chunk_size=CHUNK_SIZE))
    return "Versements", headers, rows


TABLES = {"enveloppes": envelope_table, "lignes": line_table, "versements": payment_table}


def _filename(cite, year, suffix):
    return f"financements-{slugify(cite.code)}-{year}{suffix}"


def xlsx_response(cite, year):
    sheets = [build(cite, year) for build in TABLES.values()]
    return spreadsheets.xlsx_response(sheets, _filename(cite, year, ".xlsx"))


def csv_response(cite, year, table):
    _, headers, rows = TABLES[table](cite, year)
    return spreadsheets.csv_response(headers, rows, _filename(cite, year, f"-{table}.csv"))
