"""Exports parse back to the same figures; formulas come out inert."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.spreadsheets import EURO_FORMAT, neutralise
from financements.models import Envelope, FundingLine, Payment

from .factories import FundingLineFactory, PaymentFactory, make_action

D = Decimal
HYPERLINK = '=HYPERLINK("http://x")'


def download(login, money, name, *args):
    response = login(money.world.a.pilot).get(reverse(f"financements:{name}", args=[money.cite.pk, 2026, *args]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return response


def booby_trap(money):
    """Labels typed by users that a spreadsheet would run as formulas."""
    money.action1.title = HYPERLINK
    money.action1.save(update_fields=["title"])
    Payment.objects.filter(line=money.line1).update(reference="@SUM(A1:A9)")
    Envelope.objects.filter(pk=money.p147.pk).update(legal_reference="+33 1 23 45 67 89")


def test_neutralise():
    assert neutralise(HYPERLINK) == "'" + HYPERLINK
    for text in ("-2+3", "+1", "@cmd", "\tx"):
        assert neutralise(text).startswith("'")
    assert neutralise("Atelier = lecture") == "Atelier = lecture"


def test_xlsx_parses_back_to_the_same_figures(login, money):
    booby_trap(money)
    response = download(login, money, "export_xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["Enveloppes", "Lignes de financement", "Versements"]

    envelopes = list(book["Enveloppes"].iter_rows(values_only=True))
    assert envelopes[0][:4] == ("Financeur", "Programme", "Année", "Montant de l'enveloppe")
    column = {name: index for index, name in enumerate(envelopes[0])}
    amounts = {row[0]: row for row in envelopes[1:]}
    anct = amounts["ANCT"]
    assert (anct[column["Montant de l'enveloppe"]], anct[column["Décidé"]], anct[column["Versé"]]) == (
        10000,
        4000,
        2000,
    )
    assert anct[column["Reste à programmer"]] == 6000
    assert anct[column["Référence juridique"]] == "'+33 1 23 45 67 89"
    # One row per envelope, then the total row (the ledger's, as on the overview page).
    assert envelopes[-1][0] == "Total"
    assert envelopes[-1][column["Montant de l'enveloppe"]] == 15000
    assert sum(row[column["Montant de l'enveloppe"]] for row in envelopes[1:-1]) == 15000
    cell = book["Enveloppes"]["D2"]
    assert cell.data_type == "n" and cell.number_format == EURO_FORMAT

    lines = list(book["Lignes de financement"].iter_rows(values_only=True))
    assert len(lines) - 1 == FundingLine.objects.filter(action__cite=money.cite).count()
    assert sum(row[5] for row in lines[1:]) == 8000  # demandé
    assert sum(row[7] or 0 for row in lines[1:]) == 4000  # décidé
    trapped = [row for row in lines[1:] if row[1] and row[1].startswith("'")]
    assert {row[1] for row in trapped} == {"'" + HYPERLINK}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"

    payments = list(book["Versements"].iter_rows(values_only=True))
    assert payments[1][5] == 2000 and payments[1][6] == datetime.datetime(2026, 5, 2)
    assert payments[1][7] == "'@SUM(A1:A9)"


def read_csv(response):
    raw = response.getvalue()
    assert raw.startswith("\ufeff".encode())
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def euros(text):
    return D(text.replace(",", ".")) if text else D(0)


def test_csv_parses_back_to_the_same_figures(login, money):
    booby_trap(money)
    envelopes = read_csv(download(login, money, "export_csv", "enveloppes"))
    assert envelopes[0][0] == "Financeur"
    column = {name: index for index, name in enumerate(envelopes[0])}
    anct = next(row for row in envelopes if row[0] == "ANCT")
    amounts = (column["Montant de l'enveloppe"], column["Décidé"], column["Versé"], column["À reverser"])
    assert tuple(anct[index] for index in amounts) == ("10000,00", "4000,00", "2000,00", "0,00")
    assert sum(euros(row[amounts[0]]) for row in envelopes[1:-1]) == D("15000.00") == euros(envelopes[-1][amounts[0]])

    lines = read_csv(download(login, money, "export_csv", "lignes"))
    assert sum(euros(row[5]) for row in lines[1:]) == D("8000.00")
    assert sum(euros(row[7]) for row in lines[1:]) == D("4000.00")
    assert "'" + HYPERLINK in [row[1] for row in lines]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in lines for cell in row)

    payments = read_csv(download(login, money, "export_csv", "versements"))
    assert payments[1][5:8] == ["2000,00", "02/05/2026", "'@SUM(A1:A9)"]


def test_each_export_runs_as_many_queries_with_15_lines_as_with_3(login, money):
    """Lines and payments are read from a cursor with their action, porteur and funder
    joined: no query per row, in the CSV (streamed) as in the XLSX."""
    client = login(money.world.a.pilot)
    urls = {
        "xlsx": reverse("financements:export_xlsx", args=[money.cite.pk, 2026]),
        **{
            table: reverse("financements:export_csv", args=[money.cite.pk, 2026, table])
            for table in ("enveloppes", "lignes", "versements")
        },
    }
    counts = {name: [] for name in urls}
    for size in (3, 15):
        while FundingLine.objects.filter(action__cite=money.cite).count() < size:
            action = make_action(money.cite, money.world.a.organisation)
            line = FundingLineFactory(
                envelope=money.p147, action=action, requested_amount=D("10.00"), committed=True, decided_amount=D("10")
            )
            PaymentFactory(line=line, amount=D("5.00"))
        money.services.refresh_envelope_totals()
        for name, url in urls.items():
            client.get(url).getvalue()  # warm-up
            with CaptureQueriesContext(connection) as queries:
                body = client.get(url).getvalue()
            counts[name].append(len(queries))
            if name == "lignes":
                assert len(body.decode("utf-8-sig").splitlines()) == size + 1
    assert all(first == second for first, second in counts.values()), counts
