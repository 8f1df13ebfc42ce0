"""factory_boy factories for the ground floors (accounts, cites), shared by every test."""

import datetime
import random
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import Membership, Role, User
from cites.models import (
    Cite,
    Commune,
    Convention,
    ConventionCommitment,
    LocalAxis,
    Organisation,
    PriorityArea,
    School,
)
from cites.validators import luhn_is_valid, uai_check_letter

PASSWORD = "Mot-de-passe-de-test-2026!"


def valid_siret(n):
    """A deterministic SIRET with a correct Luhn key (13 digits + check digit)."""
    base = f"{80000000000 + n:013d}"
    for digit in "0123456789":
        if luhn_is_valid(base + digit):
            return base + digit
    raise AssertionError("unreachable")


def valid_uai(n, departement="030"):
    digits = f"{departement}{n % 10000:04d}"
    return digits + uai_check_letter(digits)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)

    class Params:
        admin = factory.Trait(is_superuser=True, is_staff=True)


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    departement = "30"
    insee_code = factory.Sequence(lambda n: f"30{(n % 900) + 100:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")


class PriorityAreaFactory(DjangoModelFactory):
    class Meta:
        model = PriorityArea
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"QN030{n % 100:02d}{random.choice('ABCDEFGHJKLM')}")
    name = factory.Sequence(lambda n: f"Quartier {n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("uai",)

    uai = factory.Sequence(lambda n: valid_uai(n))
    name = factory.Sequence(lambda n: f"Jean Moulin {n}")
    kind = School.Kind.COLLEGE
    commune = factory.SubFactory(CommuneFactory)


class CiteFactory(DjangoModelFactory):
    class Meta:
        model = Cite

    name = factory.Sequence(lambda n: f"Cité éducative n° {n}")
    code = factory.Sequence(lambda n: f"CITE{n}")
    slug = factory.Sequence(lambda n: f"cite-{n}")
    departement = "30"
    label_year = 2025
    label_start = datetime.date(2025, 9, 1)
    label_end = datetime.date(2028, 8, 31)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Association n° {n}")
    kind = Organisation.Kind.ASSOCIATION
    siret = factory.Sequence(valid_siret)

    @factory.post_generation
    def cites(self, create, extracted, **kwargs):
        if create and extracted:
            self.cites.set(extracted)


class LocalAxisFactory(DjangoModelFactory):
    class Meta:
        model = LocalAxis

    cite = factory.SubFactory(CiteFactory)
    national_objective = 1
    code = factory.Sequence(lambda n: f"A{n}")
    title = factory.Sequence(lambda n: f"Axe local {n}")


class ConventionFactory(DjangoModelFactory):
    class Meta:
        model = Convention

    cite = factory.SubFactory(CiteFactory)
    title = factory.Sequence(lambda n: f"Convention-cadre {n}")
    status = Convention.Status.SIGNED
    signed_on = datetime.date(2025, 10, 27)
    start_date = datetime.date(2025, 9, 1)
    end_date = datetime.date(2028, 8, 31)


class ConventionCommitmentFactory(DjangoModelFactory):
    class Meta:
        model = ConventionCommitment

    convention = factory.SubFactory(ConventionFactory)
    funder = factory.SubFactory(OrganisationFactory, is_funder=True, kind=Organisation.Kind.ETAT)
    year = 2026
    amount = Decimal("175000.00")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.COORDINATOR
    cite = factory.SubFactory(CiteFactory)

    class Params:
        # A member of an organisation; ``referent`` adds and removes its members.
        partner = factory.Trait(role=Role.PARTNER, cite=None, organisation=factory.SubFactory(OrganisationFactory))
        referent = factory.Trait(partner=True, is_referent=True)
