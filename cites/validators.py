"""Validators for French public identifiers (SIRET, UAI, INSEE, RNA, QPV).

Each raises a ValidationError with a French message that says what is expected.
"""

import re

from django.core.exceptions import ValidationError

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # 23 letters: no I, O, Q
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_siret(value):
    return re.sub(r"\s", "", value or "")


def validate_siret(value):
    """SIRET: 14 digits, Luhn checksum (La Poste's establishments use a digit sum ÷ 5)."""
    value = normalize_siret(value)
    if not re.fullmatch(r"\d{14}", value):
        raise ValidationError("Le SIRET doit comporter exactement 14 chiffres.", code="siret_format")
    if value.startswith(LA_POSTE_SIREN) and value != LA_POSTE_SIREN + "00048":
        valid = sum(int(c) for c in value) % 5 == 0
    else:
        valid = luhn_is_valid(value)
    if not valid:
        raise ValidationError(
            "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas) : vérifiez les 14 chiffres.",
            code="siret_checksum",
        )


def uai_check_letter(seven_digits):
    return UAI_LETTERS[int(seven_digits) % 23]


def validate_uai(value):
    """UAI (ex-RNE): 7 digits then a check letter, ``ABCDEFGHJKLMNPRSTUVWXYZ[n mod 23]``."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{7}[A-Z]", value):
        raise ValidationError(
            "Le code UAI comporte 7 chiffres suivis d'une lettre (par exemple 0750655E).", code="uai_format"
        )
    if uai_check_letter(value[:7]) != value[7]:
        raise ValidationError(
            "Ce code UAI n'est pas valide : la lettre de contrôle ne correspond pas aux chiffres.",
            code="uai_checksum",
        )


INSEE_RE = re.compile(r"(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5])\d{3}|97[1-6]\d{2}")


def validate_insee(value):
    """Code officiel géographique of a commune: 5 characters, Corsica as 2A/2B."""
    value = (value or "").strip().upper()
    if not INSEE_RE.fullmatch(value):
        raise ValidationError(
            "Le code INSEE d'une commune comporte 5 caractères (par exemple 30007 ; 2A004 en Corse).",
            code="insee_format",
        )


def validate_rna(value):
    """RNA number of an association: ``W`` followed by 9 characters (digits; 2A/2B in Corsica)."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"W(\d{9}|2[AB]\d{7})", value):
        raise ValidationError(
            "Le numéro RNA commence par W suivi de 9 chiffres (par exemple W302001234).", code="rna_format"
        )


def validate_qpv(value):
    """QPV code: ``QN`` + 3-character département + 2 digits + letter (2024 map), or the
    older ``QP`` + 6 digits."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"QN(\d{3}|02[AB])\d{2}[A-Z]|QP\d{6}|QP02[AB]\d{3}", value):
        raise ValidationError(
            "Le code QPV s'écrit QN suivi de 5 chiffres et d'une lettre (par exemple QN03001M).", code="qpv_format"
        )
