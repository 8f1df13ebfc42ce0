"""The run: shared rows (national funders, the admin account), then one chunk of cités at
a time, each in its own transaction, the steps in a fixed order (determinism)."""

import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cites.models import Organisation

from . import actions, meetings, money, territory
from .base import CHUNK, EMAIL_DOMAIN, Chunk

STEPS = [
    territory.build_territory,
    territory.build_organisations,
    territory.build_axes,
    territory.build_accounts,
    actions.build_calls,
    actions.build_actions,
    actions.build_budgets,
    meetings.build_meetings,  # the funding lines below carry the COPIL's decisions
    money.build_envelopes,
    money.build_funding_lines,
    money.build_payments,
    actions.build_bilans,
]
NATIONAL_FUNDERS = (
    ("anct", "ANCT – programme 147 (jeu d'essai)", Organisation.Kind.ETAT),
    ("men", "Éducation nationale – programme 230 (jeu d'essai)", Organisation.Kind.ETAT),
    ("caf", "CAF (jeu d'essai)", Organisation.Kind.ORGANISME_SOCIAL),
)


class Generator:
    def __init__(self, *, seed, years, per_year, password):
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.years, self.per_year = years, per_year
        self.password = make_password(password)
        self.dept_counter, self.prefectures = {}, set()

    def create_shared_rows(self):
        with transaction.atomic():
            self.national = {}
            for key, name, kind in NATIONAL_FUNDERS:
                self.national[key], _ = Organisation.objects.get_or_create(
                    name=name, defaults={"kind": kind, "is_funder": True}
                )
            self.admin = User.objects.create(
                email=f"admin@{EMAIL_DOMAIN}",
                full_name="Administration nationale (jeu d'essai)",
                password=self.password,
                is_superuser=True,
                is_staff=True,
            )

    def chunks(self, n_cites):
        """Ranges of cité indices, one transaction each."""
        return [range(first, min(first + CHUNK, n_cites)) for first in range(0, n_cites, CHUNK)]

    def run_chunk(self, indices):
        """Generates the cités ``indices``; returns ``{model: rows written}``."""
        chunk = Chunk(self, indices)
        with transaction.atomic():
            for step in STEPS:
                step(chunk)
        return chunk.counts
