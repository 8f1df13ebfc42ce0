"""Every URL of the money pages, for every role.

Owner (coordinator of cité A) 200; pilot and préfecture of A 200 on pages, 403 on
edits; partner of A: its own action's lines only (other actions 404, cité pages 403,
edits 403); outsiders (roles of cité B) 404; anonymous → login.
"""

import pytest
from django.urls import reverse

OK, FORBIDDEN, NOT_FOUND = 200, 403, 404

ROLES = {
    "owner": lambda w: w.a.coordinator,
    "admin": lambda w: w.admin,
    "pilot": lambda w: w.a.pilot,
    "prefecture": lambda w: w.a.prefecture,
    "partner": lambda w: w.a.partner,
    "outsider_coordinator": lambda w: w.b.coordinator,
    "outsider_pilot": lambda w: w.b.pilot,
    "outsider_prefecture": lambda w: w.b.prefecture,
    "outsider_partner": lambda w: w.b.partner,
}

CITE_READ = {"owner": OK, "admin": OK, "pilot": OK, "prefecture": OK, "partner": FORBIDDEN,
             "outsider_coordinator": NOT_FOUND, "outsider_pilot": NOT_FOUND, "outsider_prefecture": NOT_FOUND,
             "outsider_partner": FORBIDDEN}  # fmt: skip
CITE_EDIT = {**CITE_READ, "pilot": FORBIDDEN, "prefecture": FORBIDDEN}
# An action / line of the partner's own organisation.
OWN_READ = {**CITE_READ, "partner": OK, "outsider_partner": NOT_FOUND}
OWN_EDIT = {**OWN_READ, "pilot": FORBIDDEN, "prefecture": FORBIDDEN, "partner": FORBIDDEN}
# An action / line of another organisation of cité A.
OTHER_READ = {**OWN_READ, "partner": NOT_FOUND}
OTHER_EDIT = {**OWN_EDIT, "partner": NOT_FOUND}

PAGES = [
    # (name, args from the money fixture, expected per role)
    ("overview", lambda m: [m.cite.pk, 2026], CITE_READ),
    ("programming", lambda m: [m.cite.pk, 2026], CITE_READ),
    ("envelope_detail", lambda m: [m.p147.pk], CITE_READ),
    ("envelope_create", lambda m: [m.cite.pk, 2026], CITE_EDIT),
    ("envelope_update", lambda m: [m.p147.pk], CITE_EDIT),
    ("export_xlsx", lambda m: [m.cite.pk, 2026], CITE_READ),
    ("export_csv", lambda m: [m.cite.pk, 2026, "enveloppes"], CITE_READ),
    ("export_csv", lambda m: [m.cite.pk, 2026, "lignes"], CITE_READ),
    ("export_csv", lambda m: [m.cite.pk, 2026, "versements"], CITE_READ),
    ("action_funding", lambda m: [m.action1.pk], OWN_READ),
    ("action_funding", lambda m: [m.action2.pk], OTHER_READ),
    ("line_detail", lambda m: [m.line1.pk], OWN_READ),
    ("line_detail", lambda m: [m.line2.pk], OTHER_READ),
    ("line_amounts", lambda m: [m.line1.pk], OWN_EDIT),
    ("line_legal_act", lambda m: [m.line1.pk], OWN_EDIT),
    ("line_payment", lambda m: [m.line1.pk], OWN_EDIT),
    ("line_status", lambda m: [m.line1.pk], OWN_EDIT),
    ("line_amounts", lambda m: [m.line2.pk], OTHER_EDIT),
    ("line_payment", lambda m: [m.line2.pk], OTHER_EDIT),
]

POSTS = [
    ("programming", lambda m: [m.cite.pk, 2026], CITE_EDIT),
    ("envelope_create", lambda m: [m.cite.pk, 2026], CITE_EDIT),
    ("envelope_update", lambda m: [m.p147.pk], CITE_EDIT),
    ("lines_from_budget", lambda m: [m.action1.pk], OWN_EDIT),
    ("lines_from_budget", lambda m: [m.action2.pk], OTHER_EDIT),
    ("line_amounts", lambda m: [m.line1.pk], OWN_EDIT),
    ("line_legal_act", lambda m: [m.line1.pk], OWN_EDIT),
    ("line_payment", lambda m: [m.line1.pk], OWN_EDIT),
    ("line_status", lambda m: [m.line1.pk], OWN_EDIT),
]


def _cases(specs):
    for name, args, expected in specs:
        for role, status in expected.items():
            yield pytest.param(name, args, role, status, id=f"{name}-{role}-{status}")


def _expected_ok(status, method):
    # An allowed POST of an empty form redirects (302), or re-renders the form with its
    # errors (200; 400 for the programming table, whose empty amounts are refused).
    return (200, 302, 400) if method == "post" and status == OK else (status,)


@pytest.mark.parametrize("name, args, role, status", list(_cases(PAGES)))
def test_get(login, money, name, args, role, status):
    response = login(ROLES[role](money.world)).get(reverse(f"financements:{name}", args=args(money)))
    assert response.status_code == status


@pytest.mark.parametrize("name, args, role, status", list(_cases(POSTS)))
def test_post(login, money, name, args, role, status):
    response = login(ROLES[role](money.world)).post(reverse(f"financements:{name}", args=args(money)), {})
    assert response.status_code in _expected_ok(status, "post")


@pytest.mark.parametrize("name, args", [(name, args) for name, args, _ in PAGES + POSTS])
def test_anonymous_is_sent_to_login(client, money, name, args):
    response = client.get(reverse(f"financements:{name}", args=args(money)))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_index(login, money):
    for user in (money.world.a.coordinator, money.world.a.pilot, money.world.a.prefecture, money.world.admin):
        response = login(user).get(reverse("financements:index"))
        assert response.status_code == 200
    content = login(money.world.a.pilot).get(reverse("financements:index")).content.decode()
    assert money.cite.name in content and money.world.b.cite.name not in content
    response = login(money.world.a.partner).get(reverse("financements:index"))
    assert response.status_code == 302 and response["Location"] == reverse("financements:my_funding")


def test_my_funding_shows_only_the_partners_actions(login, money):
    response = login(money.world.a.partner).get(reverse("financements:my_funding"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ateliers lecture" in content
    assert "Sorties culturelles" not in content  # another porteur of the same cité
    assert "Action de la cité B" not in content
    assert login(money.world.a.coordinator).get(reverse("financements:my_funding")).status_code == 403


def test_partner_sees_no_proposed_amount_nor_history(login, money):
    money.services.set_amounts(money.line1b, proposed="800", by=money.world.a.coordinator)
    content = login(money.world.a.partner).get(reverse("financements:line_detail", args=[money.line1b.pk]))
    content = content.content.decode()
    assert "Montant proposé" not in content and "Historique des modifications" not in content
    staff = login(money.world.a.pilot).get(reverse("financements:line_detail", args=[money.line1b.pk]))
    assert "Montant proposé" in staff.content.decode()


def test_unknown_export_table_and_years_out_of_range_are_404(login, money):
    client = login(money.world.a.coordinator)
    assert client.get(reverse("financements:export_csv", args=[money.cite.pk, 2026, "autre"])).status_code == 404
    assert client.get(reverse("financements:overview", args=[money.cite.pk, 1999])).status_code == 404


def test_navigation_has_a_financements_entry(login, money):
    for user in (money.world.a.coordinator, money.world.a.partner):
        content = login(user).get(reverse("financements:index"), follow=True).content.decode()
        assert f'href="{reverse("financements:index")}"' in content
