"""Proposals (fiches action): the action, its status groups and scoped querysets, and the
reference counter that numbers them. The workflow lives in :mod:`actions.services`."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.scope import Scope
from cites.models import Cite, LocalAxis, Organisation, PriorityArea, School
from core.models import TimeStamped, done_by
from core.params import MAX_YEAR, MIN_YEAR

from .calls import Call


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admin: all. Coordinators, pilots, préfecture: the actions of the cités they
        read, once submitted. Partners: the actions their organisation carries (porteur),
        drafts included."""
        scope = Scope.for_user(user)
        if scope.is_admin:
            return self
        condition = Q(porteur_id__in=scope.organisations)
        if scope.cite_ids or scope.departements:
            # A draft belongs to its porteur until it is submitted.
            condition |= scope.cite_filter("cite__") & ~Q(status=Action.Status.DRAFT)
        return self.filter(condition)

    def with_budget_totals(self):
        return self.annotate(
            charges_total=Sum("budget_lines__amount_planned", filter=Q(budget_lines__side="charge")),
            produits_total=Sum("budget_lines__amount_planned", filter=Q(budget_lines__side="produit")),
        )

    def proposals(self):
        """Actions that reached the coordination (anything but a draft)."""
        return self.exclude(status=Action.Status.DRAFT)

    def retained(self):
        """Programmed actions, and those that went on from there."""
        return self.filter(status__in=Action.RETAINED_STATUSES)

    def under_review(self):
        return self.filter(status__in=Action.UNDER_REVIEW_STATUSES)

    def editable(self):
        return self.filter(status__in=Action.EDITABLE_STATUSES)


class ScopedByActionQuerySet(models.QuerySet):
    """For the rows that hang off an action: visible when the action is."""

    def visible_to(self, user):
        return self.filter(action__in=Action.objects.visible_to(user))


class AgeBand(models.TextChoices):
    AGE_0_2 = "0-2", "0-2 ans"
    AGE_3_5 = "3-5", "3-5 ans"
    AGE_6_10 = "6-10", "6-10 ans"
    AGE_11_15 = "11-15", "11-15 ans"
    AGE_16_18 = "16-18", "16-18 ans"
    AGE_19_25 = "19-25", "19-25 ans"
    PARENTS = "parents", "Parents"
    PROFESSIONALS = "professionnels", "Professionnels"


class Action(TimeStamped):
    """A fiche action: what a porteur proposes to a call, then carries out.

    ``reference`` (``ALES-2026-014``) is given at first submission. ``version`` grows at
    every write so that two people editing the same proposal cannot overwrite each other.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        SUBMITTED = "submitted", "Déposée"
        IN_REVIEW = "in_review", "En instruction"
        CHANGES_REQUESTED = "changes_requested", "Compléments demandés"
        PROGRAMMED = "programmed", "Programmée"
        REJECTED = "rejected", "Non retenue"
        WITHDRAWN = "withdrawn", "Retirée"
        IN_PROGRESS = "in_progress", "En cours"
        REPORTED = "reported", "Bilan remis"
        CLOSED = "closed", "Clôturée"

    # Status groups, declared once here; querysets, reports and dashboards use these names.
    EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)
    # Under instruction: submitted, in review, or waiting for the porteur's answer.
    UNDER_REVIEW_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED)
    # Retained: programmed by a decision, whatever happened since (running, bilan, closed).
    RETAINED_STATUSES = (Status.PROGRAMMED, Status.IN_PROGRESS, Status.REPORTED, Status.CLOSED)

    reference = models.CharField("référence", max_length=40, unique=True, null=True, blank=True, editable=False)
    cite = models.ForeignKey(Cite, on_delete=models.PROTECT, related_name="actions", verbose_name="cité")
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="actions", verbose_name="appel à projets"
    )
    year = models.PositiveSmallIntegerField(
        "année", validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    porteur = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="carried_actions", verbose_name="porteur de projet"
    )
    partners = models.ManyToManyField(
        Organisation, related_name="partner_actions", verbose_name="organisations partenaires", blank=True
    )
    national_objective = models.PositiveSmallIntegerField(
        "objectif national", choices=LocalAxis.NationalObjective.choices, null=True, blank=True
    )
    local_axis = models.ForeignKey(
        LocalAxis, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions", verbose_name="axe local"
    )
    title = models.CharField("intitulé de l'action", max_length=250)
    need = models.TextField("besoin identifié", blank=True)
    objectives = models.TextField("objectifs", blank=True)
    description = models.TextField("description et modalités", blank=True)
    start_date = models.DateField("début", null=True, blank=True)
    end_date = models.DateField("fin", null=True, blank=True)
    place = models.CharField("lieu de réalisation", max_length=250, blank=True)
    age_bands = models.JSONField("publics visés", default=list, blank=True)
    expected_participants = models.PositiveIntegerField("nombre de participants attendus", null=True, blank=True)
    expected_girls = models.PositiveIntegerField("dont filles", null=True, blank=True)
    expected_boys = models.PositiveIntegerField("dont garçons", null=True, blank=True)
    priority_areas = models.ManyToManyField(
        PriorityArea, related_name="actions", verbose_name="quartiers prioritaires concernés", blank=True
    )
    schools = models.ManyToManyField(
        School, related_name="actions", verbose_name="établissements concernés", blank=True
    )
    contact_name = models.CharField("personne à contacter", max_length=200, blank=True)
    contact_email = models.EmailField("courriel du contact", blank=True)
    contact_phone = models.CharField("téléphone du contact", max_length=30, blank=True)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveIntegerField("version", default=1, editable=False)
    submitted_at = models.DateTimeField("déposée le", null=True, blank=True, editable=False)
    created_by = done_by("créée par")
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="reviewed_actions",
        verbose_name="rapporteurs",
        blank=True,
        help_text="Membres du pilotage de la cité chargés d'instruire la proposition.",
    )
    # A bilan waits for the end of the action, unless the coordination allows it earlier.
    early_bilan_allowed = models.BooleanField("bilan autorisé avant la fin de l'action", default=False)
    early_bilan_allowed_by = done_by("bilan anticipé autorisé par")
    early_bilan_allowed_at = models.DateTimeField("bilan anticipé autorisé le", null=True, blank=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ["-year", "reference", "id"]
        indexes = [
            # Dashboards and lists filter by year and cité, then count by status.
            models.Index(fields=["year", "cite", "status"], name="action_year_cite_status"),
            models.Index(fields=["cite", "status"], name="action_cite_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="action_dates_ordered",
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                violation_error_message="La date de fin doit suivre la date de début.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} – {self.title}" if self.reference else self.title

    def get_absolute_url(self):
        return reverse("actions:detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATUSES

    def age_band_labels(self):
        labels = dict(AgeBand.choices)
        return [labels.get(code, code) for code in self.age_bands]

    def budget_totals(self, amount="amount_planned"):
        """(charges, produits) of the planned budget (or of the actual amounts, with
        ``amount="amount_actual"``), from the database."""
        rows = self.budget_lines.values("side").annotate(total=Sum(amount))
        totals = {row["side"]: row["total"] or Decimal("0") for row in rows}
        # The budget lines live in .budget, which imports this module: read their sides from the relation.
        side = self.budget_lines.model.Side
        return totals.get(side.CHARGE, Decimal("0")), totals.get(side.PRODUIT, Decimal("0"))

    def bilan_opens_on(self, today=None):
        """The date from which the bilan can be transmitted (the action's end date), or
        None when it can be transmitted now: the action has ended, or the coordination
        of the cité allowed an early bilan."""
        today = today or timezone.localdate()
        if self.early_bilan_allowed or not self.end_date or self.end_date <= today:
            return None
        return self.end_date

    def missing_items(self):
        """What still prevents submission, in French, in the order of the form."""
        missing = []
        for field in ("title", "need", "objectives", "description", "place", "contact_name", "contact_email"):
            if not getattr(self, field):
                missing.append(f"Renseignez le champ « {self._meta.get_field(field).verbose_name} ».")
        if not self.national_objective:
            missing.append("Choisissez l'objectif national de l'action.")
        if not self.start_date or not self.end_date:
            missing.append("Indiquez les dates de début et de fin.")
        if not self.age_bands:
            missing.append("Cochez au moins un public visé.")
        if not self.expected_participants:
            missing.append("Indiquez le nombre de participants attendus.")
        if not self.indicators.exists():
            missing.append("Ajoutez au moins un indicateur d'évaluation.")
        charges, produits = self.budget_totals()
        if not charges:
            missing.append("Le budget prévisionnel ne comporte aucune charge.")
        elif charges != produits:
            missing.append(budget_gap_message(charges, produits))
        return missing


def budget_gap_message(charges, produits, *, budget="Le budget"):
    from core.formatting import format_euros

    gap = charges - produits
    if gap > 0:
        detail = f"il manque {format_euros(gap)} de produits"
    else:
        detail = f"les produits dépassent les charges de {format_euros(-gap)}"
    return (
        f"{budget} n'est pas équilibré : charges {format_euros(charges)}, produits {format_euros(produits)} ({detail})."
    )


class ReferenceCounter(models.Model):
    """The last reference number given in a cité for a year (locked when incremented)."""

    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="+", verbose_name="cité")
    year = models.PositiveSmallIntegerField("année")
    last_number = models.PositiveIntegerField("dernier numéro", default=0)

    class Meta:
        verbose_name = "compteur de références"
        verbose_name_plural = "compteurs de références"
        constraints = [models.UniqueConstraint(fields=["cite", "year"], name="reference_counter_unique")]

    def __str__(self):
        return f"{self.cite} {self.year} : {self.last_number}"
