"""The money pages beyond the permission matrix (``test_permission_matrix.py``, which
gives every URL's status for every role): what each role sees on the pages it reaches."""

from django.urls import reverse


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
