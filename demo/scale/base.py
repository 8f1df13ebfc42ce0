"""What every step of the generator shares: constants, the chunk being built, helpers."""

import datetime
import time
from dataclasses import dataclass

from django.utils import timezone

from accounts.departements import DEPARTEMENTS
from actions.models import Action, AgeBand
from financements.models import LineStatus
from pilotage.models import Meeting

S = Action.Status
PREFIX = "scale-"
EMAIL_DOMAIN = "scale.example.org"
BATCH = 2000
CHUNK = 10  # cités per transaction
# Metropolitan départements with a two-digit code (codes below stay valid and unique).
DEPTS = sorted(code for code in DEPARTEMENTS if len(code) == 2 and code.isdigit())
PAST_STATUSES = [
    (S.CLOSED, 45), (S.REPORTED, 15), (S.IN_PROGRESS, 5), (S.REJECTED, 20), (S.WITHDRAWN, 5),
    (S.PROGRAMMED, 5), (S.DRAFT, 5),
]  # fmt: skip
CURRENT_STATUSES = [
    (S.DRAFT, 5), (S.SUBMITTED, 10), (S.IN_REVIEW, 15), (S.CHANGES_REQUESTED, 5), (S.PROGRAMMED, 25),
    (S.IN_PROGRESS, 25), (S.REJECTED, 8), (S.WITHDRAWN, 2), (S.REPORTED, 5),
]  # fmt: skip
FUNDED = set(Action.RETAINED_STATUSES)
PAID = {S.IN_PROGRESS, S.REPORTED, S.CLOSED}
REPORTED = {S.REPORTED, S.CLOSED}
# A retained action's funding lines along their lifecycle: decided by the COPIL, committed
# by the legal act (the advance is paid), paid in full with the balance, justified by the
# validated bilan.
LINE_STATUS_OF = {
    S.PROGRAMMED: LineStatus.DECIDED,
    S.IN_PROGRESS: LineStatus.COMMITTED,
    S.REPORTED: LineStatus.PAID,
    S.CLOSED: LineStatus.JUSTIFIED,
}
BANDS = [value for value, _ in AgeBand.choices]
DECIDED_BY_COPIL = FUNDED | {S.REJECTED}
DEFERRED_SHARE = 0.1  # past years: decided proposals first deferred by the spring COPIL
REJECTION_REASONS = [
    "Action hors des axes prioritaires de la cité.", "Plan de financement insuffisamment détaillé.",
    "Action déjà financée par le droit commun.", "Public visé hors des quartiers prioritaires.",
]  # fmt: skip
DEFERRAL_REASONS = [
    "Ajournée : plan de financement à préciser avant le prochain COPIL.",
    "Ajournée : partenariat avec les établissements à confirmer.",
    "Ajournée : compléments demandés au porteur.",
]  # fmt: skip
THEMES = [
    "Coup de pouce lecture", "Parentalité et réussite", "Sciences en bas des tours", "Orientation et stages",
    "Théâtre au collège", "Sport et santé", "Numérique responsable", "Vacances apprenantes",
    "Accompagnement à la scolarité", "Éloquence", "Petite enfance et langage", "Ouverture culturelle",
]  # fmt: skip


def bulk(model, objects):
    return model.objects.bulk_create(objects, batch_size=BATCH)


def aware(date, hour=9):
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour)))


@dataclass
class Decided:
    """Where and when the COPIL decided on one proposal (for the money that follows)."""

    meeting: Meeting
    on: datetime.date
    decision: str


class Chunk:
    """One chunk of cités being generated: the settings of the run (``gen``), its random
    source, and the rows each step leaves for the next ones (cités, plan, lines…)."""

    def __init__(self, gen, indices):
        self.gen, self.rng, self.indices = gen, gen.rng, indices
        self.now, self.years, self.last = gen.now, gen.years, gen.years[-1]
        self.counts = {}

    def add(self, model, objects):
        """bulk_create the rows, counted for the summary; returns them with their keys."""
        created = bulk(model, objects)
        self.counts[model] = self.counts.get(model, 0) + len(created)
        return created


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, stream, total, width=30):
        self.stream, self.total, self.width, self.done = stream, max(total, 1), width, 0
        self.started = time.monotonic()

    def step(self, n=1, label=""):
        self.done += n
        filled = int(self.width * self.done / self.total)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {100 * self.done // self.total:3d} % "
            f"{self.done}/{self.total} cités – {elapsed:5.1f} s {label:<20}"
        )
        self.stream.flush()

    def finish(self):
        self.stream.write("\n")
        self.stream.flush()
