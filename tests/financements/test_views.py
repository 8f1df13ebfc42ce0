"""The forms: refusals shown in French with the typed values kept; history on the pages."""

import re
from decimal import Decimal

from django.urls import reverse

from financements.models import Envelope, FundingLine, LineStatus, Payment, Programme

from .factories import make_action, subsidy

D = Decimal


def programming_data(money):
    """The programming table as displayed (every row's current amounts)."""
    data = {}
    for line in FundingLine.objects.for_cite_year(money.cite, 2026):
        proposed, decided = line.proposed_amount, line.decided_amount
        data[f"l{line.pk}-proposed_amount"] = "" if proposed is None else str(proposed).replace(".", ",")
        data[f"l{line.pk}-decided_amount"] = "" if decided is None else str(decided).replace(".", ",")
    return data


def test_programming_table_saves_every_row_in_one_post(login, money):
    client = login(money.world.a.coordinator)
    url = reverse("financements:programming", args=[money.cite.pk, 2026])
    data = programming_data(money)
    data[f"l{money.line2.pk}-proposed_amount"] = "3 000,00"
    data[f"l{money.line2.pk}-decided_amount"] = "2 500,50"
    data[f"l{money.line1b.pk}-decided_amount"] = "1000"
    response = client.post(url, data)
    assert response.status_code == 302
    money.line2.refresh_from_db()
    money.line1b.refresh_from_db()
    assert (money.line2.proposed_amount, money.line2.decided_amount) == (D("3000.00"), D("2500.50"))
    assert money.line1b.status == LineStatus.DECIDED
    # The history names the coordinator (HistoryRequestMiddleware + the service's author).
    assert money.line2.history.first().history_user == money.world.a.coordinator


def test_a_programming_post_changes_only_the_rows_it_contains(login, money):
    """Rows left out of the POST keep their amounts (they used to be erased)."""
    client = login(money.world.a.coordinator)
    url = reverse("financements:programming", args=[money.cite.pk, 2026])
    assert client.post(url, {**programming_data(money), f"l{money.line1b.pk}-decided_amount": "900"}).status_code == 302
    before = {line.pk: (line.proposed_amount, line.decided_amount) for line in FundingLine.objects.all()}
    assert before[money.line1b.pk][1] == D("900")
    response = client.post(url, {f"l{money.line2.pk}-proposed_amount": "1 200"})
    assert response.status_code == 302
    after = {line.pk: (line.proposed_amount, line.decided_amount) for line in FundingLine.objects.all()}
    assert after.pop(money.line2.pk) == (D("1200"), before.pop(money.line2.pk)[1])
    assert after == before


def test_programming_table_refuses_everything_and_keeps_typed_values(login, money):
    client = login(money.world.a.coordinator)
    url = reverse("financements:programming", args=[money.cite.pk, 2026])
    data = programming_data(money)
    data[f"l{money.line1b.pk}-decided_amount"] = "900"  # fits the local envelope
    data[f"l{money.line2.pk}-decided_amount"] = "6 500,00"  # 4 000 + 6 500 > 10 000
    response = client.post(url, data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Aucun montant n&#x27;a été enregistré." in content
    assert "Enveloppe dépassée" in content
    assert 'value="6 500,00"' in content and 'value="900"' in content
    money.line1b.refresh_from_db()
    money.line2.refresh_from_db()
    assert money.line1b.decided_amount is None and money.line2.decided_amount is None


def test_programming_table_flags_an_invalid_amount(login, money):
    client = login(money.world.a.coordinator)
    data = programming_data(money)
    data[f"l{money.line2.pk}-decided_amount"] = "-10"
    response = client.post(reverse("financements:programming", args=[money.cite.pk, 2026]), data)
    assert response.status_code == 400
    assert "Un montant ne peut pas être négatif." in response.content.decode()


def test_programming_cells_are_labelled_by_line_and_keep_their_error(login, money):
    client = login(money.world.a.coordinator)
    data = programming_data(money)
    data[f"l{money.line2.pk}-decided_amount"] = "-10"
    content = client.post(reverse("financements:programming", args=[money.cite.pk, 2026]), data).content.decode()
    field_id = f"id_l{money.line2.pk}-decided_amount"
    label = re.search(rf'<label for="{field_id}" class="fr-label">\s*(.*?)\s*<span class="fr-hint-text"', content, re.S)
    assert label.group(1) == f"Montant décidé, {money.line2.action.title} – {money.line2.funder.name}"
    cell = next(td for td in re.findall(r"<td[^>]*>.*?</td>", content, re.S) if f'id="{field_id}"' in td)
    assert 'value="-10"' in cell and "Un montant ne peut pas être négatif." in cell and 'inputmode="decimal"' in cell


def test_programming_table_is_read_only_for_pilots(login, money):
    content = login(money.world.a.pilot).get(reverse("financements:programming", args=[money.cite.pk, 2026]))
    content = content.content.decode()
    assert "Ateliers lecture" in content and 'name="l' not in content


def test_payment_form_refuses_an_overpayment(login, money):
    client = login(money.world.a.coordinator)
    url = reverse("financements:line_payment", args=[money.line1.pk])
    data = {"kind": "balance", "amount": "2 500,00", "date": "2026-09-01", "reference": "Mandat 2"}
    response = client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Versement refusé" in content and 'value="2 500,00"' in content
    assert money.line1.payments.count() == 1
    data["amount"] = "2000"
    assert client.post(url, data).status_code == 302
    money.line1.refresh_from_db()
    assert money.line1.status == LineStatus.PAID


def test_amounts_form_and_history_shown_on_the_line_page(login, money):
    client = login(money.world.a.coordinator)
    url = reverse("financements:line_amounts", args=[money.line2.pk])
    response = client.post(url, {"proposed_amount": "2 800", "decided_amount": "2 700", "envelope": money.p147.pk})
    assert response.status_code == 302
    page = client.get(reverse("financements:line_detail", args=[money.line2.pk])).content.decode()
    assert "Historique des modifications" in page
    assert money.world.a.coordinator.full_name in page
    assert "montant décidé : — → 2\u202f700,00\u00a0€" in page
    assert "statut : Demandé → Décidé" in page


def test_amounts_form_refuses_another_funders_envelope(login, money):
    client = login(money.world.a.coordinator)
    response = client.post(reverse("financements:line_amounts", args=[money.line2.pk]), {"envelope": money.local.pk})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()  # not offered at all
    assert FundingLine.objects.get(pk=money.line2.pk).envelope_id == money.p147.pk


def test_legal_act_and_status_forms(login, money):
    client = login(money.world.a.coordinator)
    money.services.set_amounts(money.line2, decided="3000", by=None)
    response = client.post(
        reverse("financements:line_legal_act", args=[money.line2.pk]),
        {"act_type": "arrete", "reference": "Arrêté 2026-12", "date": "2026-04-02"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("financements:line_status", args=[money.line1.pk]), {"status": "to_recover", "amount_to_recover": ""}
    )
    assert response.status_code == 200 and "Indiquez le montant à reverser." in response.content.decode()
    response = client.post(
        reverse("financements:line_status", args=[money.line1.pk]),
        {"status": "to_recover", "amount_to_recover": "300", "comment": "Bilan inférieur"},
    )
    assert response.status_code == 302
    assert FundingLine.objects.get(pk=money.line1.pk).status == LineStatus.TO_RECOVER


def test_envelope_create_and_update(login, money):
    client = login(money.world.a.coordinator)
    url = reverse("financements:envelope_create", args=[money.cite.pk, 2026])
    response = client.post(url, {"funder": money.anct.pk, "programme": Programme.FONDS_CITE, "amount": "20 000"})
    assert response.status_code == 302
    envelope = Envelope.objects.get(programme=Programme.FONDS_CITE)
    assert (envelope.cite, envelope.year, envelope.amount) == (money.cite, 2026, D("20000.00"))
    response = client.post(
        reverse("financements:envelope_update", args=[money.p147.pk]),
        {"funder": money.anct.pk, "programme": Programme.P147, "amount": "3 000"},
    )
    assert response.status_code == 200
    assert "inférieur aux montants déjà décidés" in response.content.decode()
    page = client.get(reverse("financements:envelope_detail", args=[envelope.pk])).content.decode()
    assert "Historique des modifications" in page and "Création" in page


def test_lines_from_budget_button(login, money):
    action = make_action(money.cite, money.world.a.organisation, title="Nouvelle action")
    subsidy(action, money.anct, "1500")
    client = login(money.world.a.coordinator)
    page = client.get(reverse("financements:action_funding", args=[action.pk])).content.decode()
    assert "Créer les lignes depuis le budget" in page
    response = client.post(reverse("financements:lines_from_budget", args=[action.pk]))
    assert response.status_code == 302
    line = action.funding_lines.get()
    assert (line.funder, line.envelope, line.requested_amount) == (money.anct, money.p147, D("1500.00"))
    assert Payment.objects.filter(line=line).count() == 0
