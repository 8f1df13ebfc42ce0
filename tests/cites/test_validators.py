"""French public identifiers: SIRET, UAI, INSEE, RNA and QPV codes, with real examples.

The Luhn key is recomputed here independently of the application, so a test example is
never "valid because the code under test says so".
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from cites.models import Organisation
from cites.validators import validate_insee, validate_qpv, validate_rna, validate_siret, validate_uai

SIRET_CHECKSUM_MESSAGE = "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas) : vérifiez les 14 chiffres."


def own_luhn(number):
    digits = [int(c) for c in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def messages_of(validator, value):
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value.messages


# --- SIRET -------------------------------------------------------------------------------
VALID_SIRETS = [
    "73282932000074",  # a long-standing company establishment often quoted as an example
    "44306184100047",  # another company establishment
    "13002526500013",  # a State administration establishment
    "11000201100044",  # a ministry establishment
]


@pytest.mark.parametrize("siret", VALID_SIRETS)
def test_real_sirets_are_accepted(siret):
    assert own_luhn(siret)  # the example itself is right
    validate_siret(siret)


def test_siret_with_spaces_as_printed_on_documents_is_accepted():
    validate_siret("732 829 320 00074")


def test_la_poste_head_office_siret_is_accepted():
    # La Poste (SIREN 356 000 000): its head office passes Luhn…
    assert own_luhn("35600000000048")
    validate_siret("35600000000048")


def test_la_poste_establishments_use_the_digit_sum_rule():
    # …but its thousands of establishments cannot all have a Luhn key: their digit sum is
    # a multiple of 5 instead. Build one that fails Luhn and passes the La Poste rule.
    siret = next(
        s for s in (f"356000000{n:05d}" for n in range(1, 500)) if sum(map(int, s)) % 5 == 0 and not own_luhn(s)
    )
    validate_siret(siret)
    # The same number outside La Poste's SIREN would be refused.
    wrong = next(
        s for s in (f"356000000{n:05d}" for n in range(1, 500)) if sum(map(int, s)) % 5 != 0 and not own_luhn(s)
    )
    assert messages_of(validate_siret, wrong) == [SIRET_CHECKSUM_MESSAGE]


@pytest.mark.parametrize("siret", ["73282932000075", "44306184100048", "35600000000049"])
def test_siret_with_a_wrong_check_digit_is_refused(siret):
    assert not own_luhn(siret)
    assert messages_of(validate_siret, siret) == [SIRET_CHECKSUM_MESSAGE]


@pytest.mark.parametrize("siret", ["7328293200007", "732829320000745", "7328293200007A", ""])
def test_siret_that_is_not_14_digits_is_refused(siret):
    assert messages_of(validate_siret, siret) == ["Le SIRET doit comporter exactement 14 chiffres."]


# --- UAI ---------------------------------------------------------------------------------
@pytest.mark.parametrize("uai", ["0750655E", "0750655e"])  # lycée Louis-le-Grand, Paris
def test_real_uai_is_accepted(uai):
    validate_uai(uai)


def test_uai_with_wrong_check_letter_is_refused():
    assert messages_of(validate_uai, "0750655F") == [
        "Ce code UAI n'est pas valide : la lettre de contrôle ne correspond pas aux chiffres."
    ]


@pytest.mark.parametrize("uai", ["075065E", "07506555", "E0750655", "0750655EE"])
def test_uai_with_wrong_format_is_refused(uai):
    (message,) = messages_of(validate_uai, uai)
    assert message.startswith("Le code UAI comporte 7 chiffres suivis d'une lettre")


# --- INSEE -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code",
    [
        "30007",  # Alès
        "2A004",  # Ajaccio
        "2B033",  # Bastia
        "97411",  # Saint-Denis (La Réunion)
        "94074",  # Valenton
        "61001",  # Alençon
    ],
)
def test_real_insee_codes_are_accepted(code):
    validate_insee(code)


@pytest.mark.parametrize("code", ["20004", "00123", "3000", "9800A", "300071", "97811", ""])
def test_invalid_insee_codes_are_refused(code):
    (message,) = messages_of(validate_insee, code)
    assert "Le code INSEE d'une commune comporte 5 caractères" in message


# --- RNA ---------------------------------------------------------------------------------
@pytest.mark.parametrize("rna", ["W302001234", "w302001234", "W2A1000123"])
def test_valid_rna_numbers_are_accepted(rna):
    validate_rna(rna)


@pytest.mark.parametrize("rna", ["W12345", "A302001234", "W3020012345", "302001234"])
def test_invalid_rna_numbers_are_refused(rna):
    assert messages_of(validate_rna, rna) == [
        "Le numéro RNA commence par W suivi de 9 chiffres (par exemple W302001234)."
    ]


# --- QPV ---------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["QN03001M", "QN02A01B", "QP030001", "qn03001m"])
def test_valid_qpv_codes_are_accepted(code):
    validate_qpv(code)


@pytest.mark.parametrize("code", ["XX03001M", "QN0300M", "QP03001", "QN030011"])
def test_invalid_qpv_codes_are_refused(code):
    (message,) = messages_of(validate_qpv, code)
    assert message.startswith("Le code QPV s'écrit QN")


@pytest.mark.parametrize(
    ("validator", "bad_value"),
    [(validate_uai, "1"), (validate_insee, "1"), (validate_rna, "1"), (validate_qpv, "1")],
)
def test_the_example_given_in_each_error_message_is_itself_valid(validator, bad_value):
    """A user who copies the example of the message must not get the same error again."""
    (message,) = messages_of(validator, bad_value)
    examples = re.findall(r"\b(?=\w*\d)[0-9A-Z]{5,10}\b", message)
    assert examples, message
    for example in examples:
        validator(example)


# --- Model and form level ----------------------------------------------------------------
def test_model_full_clean_refuses_a_bad_siret_on_the_siret_field(db):
    organisation = Organisation(name="Association X", kind=Organisation.Kind.ASSOCIATION, siret="73282932000075")
    with pytest.raises(ValidationError) as caught:
        organisation.full_clean()
    assert caught.value.message_dict == {"siret": [SIRET_CHECKSUM_MESSAGE]}


ORGANISATION_POST = {
    "name": "Les Petits Débrouillards Occitanie",
    "kind": "association",
    "rna": "W302001234",
    "address": "12 rue d'Avéjan",
    "postal_code": "30100",
    "city": "Alès",
    "email": "contact@debrouillards.example.org",
    "phone": "04 66 00 00 00",
}


def test_bad_siret_in_the_form_shows_the_french_message_and_keeps_typed_values(login, world):
    client = login(world.a.coordinator)
    data = {**ORGANISATION_POST, "siret": "73282932000075", "is_funder": "on", "cites": [world.a.cite.pk]}
    response = client.post(reverse("cites:organisation_create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert escape(SIRET_CHECKSUM_MESSAGE) in content
    for value in ("73282932000075", *ORGANISATION_POST.values()):
        if value != "association":
            assert f'value="{escape(value)}"' in content, value
    assert re.search(r'<option value="association"[^>]*selected', content)
    assert re.search(rf'value="{world.a.cite.pk}"[^>]*checked', content)
    assert re.search(r'name="is_funder"[^>]*checked', content)
    assert not Organisation.objects.filter(name=ORGANISATION_POST["name"]).exists()


def test_siret_copied_with_spaces_in_the_form_is_saved_without_spaces(login, world):
    client = login(world.a.coordinator)
    data = {**ORGANISATION_POST, "siret": "732 829 320 00074", "cites": [world.a.cite.pk]}
    response = client.post(reverse("cites:organisation_create"), data)
    assert response.status_code == 302, response.content.decode()
    assert Organisation.objects.get(name=ORGANISATION_POST["name"]).siret == "73282932000074"
