"""Exports at scale: the XLSX writer does work in proportion to its rows (never reads
``max_row``, the quadratic cliff of issue 14), the CSV is streamed with the private
download's headers, and no export runs more queries with more rows."""

import csv
import io
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl.worksheet import _writer
from openpyxl.worksheet.worksheet import Worksheet

from actions.models import Action
from core import spreadsheets
from core.spreadsheets import Money

from .factories import balanced_budget

pytestmark = pytest.mark.django_db
S = Action.Status


# --- The XLSX writer is linear -----------------------------------------------------------
def _rows(n):
    return ([f"=ligne {i}" if i else "#N/A", i, Money("12.50"), None] for i in range(n))


@pytest.mark.parametrize("n", [50, 400])
def test_the_xlsx_writer_never_reads_max_row_and_writes_each_cell_once(n):
    writes = []
    real_write_cell = _writer.write_cell

    def counting_write_cell(*args, **kwargs):
        writes.append(1)
        return real_write_cell(*args, **kwargs)

    def no_max_row(self):
        raise AssertionError("max_row scans every cell: quadratic when read after each row")

    headers = ["Intitulé", "Rang", "Montant", "Vide"]
    with (
        mock.patch.object(Worksheet, "max_row", property(no_max_row)),
        mock.patch.object(_writer, "write_cell", counting_write_cell),
    ):
        book = spreadsheets.workbook([("Feuille", headers, _rows(n))])
        buffer = io.BytesIO()
        book.save(buffer)
    assert book.write_only
    # The header row's 4 cells, then 3 cells per row (the empty one is not written).
    assert len(writes) == 4 + 3 * n
    sheet = openpyxl.load_workbook(buffer).active
    assert sheet.max_row == n + 1
    assert sheet["A2"].value == "#N/A" and sheet["A2"].data_type == "s"  # a text, not an error value
    assert sheet["A3"].value == "'=ligne 1" and sheet["A3"].data_type == "s"
    assert sheet["C2"].number_format == spreadsheets.EURO_FORMAT and sheet["C2"].value == 12.5
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 12


# --- The CSV streams ---------------------------------------------------------------------
def test_the_csv_is_streamed_with_the_private_headers_and_the_expected_content(login, world, make_action):
    first = make_action(status=S.SUBMITTED, title="Ateliers", reference="CITEA-2026-001", complete=False)
    balanced_budget(first, amount=Decimal("250.50"))
    second = make_action(status=S.IN_REVIEW, title="-Sorties", reference="CITEA-2026-002", complete=False)
    second.reviewers.add(world.a.pilot)
    response = login(world.a.coordinator).get(reverse("actions:export", args=["csv"]) + "?tri=titre")
    assert response.status_code == 200 and response.streaming
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="propositions-')
    assert response["Content-Disposition"].endswith('.csv"')

    def line(action, charges, balance, reviewers):
        date = f"{action.submitted_at:%d/%m/%Y}" if action.submitted_at else ""
        axis = f"{action.local_axis.code} – {action.local_axis.title}" if action.local_axis else ""
        objective = action.get_national_objective_display() if action.national_objective else ""
        cells = [
            action.reference, action.title.replace("-", "'-", 1), action.porteur.name, world.a.cite.name,
            action.call.title, str(action.year), objective, axis, action.get_status_display(), date,
            charges, charges, balance, reviewers,
        ]  # fmt: skip
        return ";".join(cells)

    header = (
        "Référence;Intitulé;Porteur;Cité éducative;Appel à projets;Année;Objectif national;Axe local;Statut;"
        "Date de dépôt;Charges prévues;Produits prévus;Équilibre;Rapporteurs"
    )
    second.refresh_from_db()
    first.refresh_from_db()
    expected = [
        header,
        line(second, "0,00", "Non équilibré", world.a.pilot.full_name),
        line(first, "250,50", "Équilibré", ""),
    ]
    text = response.getvalue().decode("utf-8")
    assert text == "\ufeff" + "\r\n".join(expected) + "\r\n"


def test_csv_chunks_are_batches_of_rows():
    chunks = list(spreadsheets.csv_chunks(["A"], ([i] for i in range(spreadsheets.CSV_BATCH * 2 + 1))))
    assert len(chunks) == 4  # the header, two full batches, the rest
    assert chunks[0] == "\ufeffA\r\n" and chunks[-1] == f"{spreadsheets.CSV_BATCH * 2}\r\n"


# --- Query counts do not grow with the rows ----------------------------------------------
def export_queries(client, url):
    """``(queries, body)`` of a download, its stream read inside the count (a streamed
    export queries while it is read), after a warm-up download."""
    client.get(url).getvalue()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        body = response.getvalue()
    return len(queries), body


def _rows_of(body, fmt):
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return [[cell for cell in row] for row in openpyxl.load_workbook(io.BytesIO(body)).active.values]


@pytest.mark.parametrize("who", ["coordinator", "partner"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_proposals_export_runs_as_many_queries_with_15_rows_as_with_3(login, world, make_action, fmt, who):
    client = login(getattr(world.a, who))
    url = reverse("actions:export", args=[fmt])
    counts = []
    for size in (3, 15):
        while Action.objects.filter(cite=world.a.cite).count() < size:
            action = make_action(status=S.IN_REVIEW)
            balanced_budget(action, amount=Decimal("100.00"))
            action.reviewers.add(world.a.pilot)
        count, body = export_queries(client, url)
        rows = _rows_of(body, fmt)
        assert len(rows) == size + 1
        counts.append(count)
    assert counts[0] == counts[1], counts


def test_the_csv_reads_the_actions_chunk_by_chunk_as_it_is_sent(login, world, make_action, monkeypatch):
    """Nothing is read before the first chunk leaves (the header), then the actions come
    ``CHUNK_SIZE`` at a time, each chunk with one query for its reviewers: memory holds
    one chunk, whatever the rows."""
    from actions import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    for _ in range(6):
        make_action(status=S.IN_REVIEW).reviewers.add(world.a.pilot)
    response = login(world.a.coordinator).get(reverse("actions:export", args=["csv"]))
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as before_first:
        header = next(chunks)
    assert header.startswith("\ufeffRéférence".encode()) and len(before_first) == 0
    with CaptureQueriesContext(connection) as rest:
        body = b"".join(chunks)
    assert len(body.decode().splitlines()) == 6
    reviewer_queries = [query for query in rest.captured_queries if "reviewers" in query["sql"]]
    assert len(reviewer_queries) == 3  # one per chunk of 2 actions
