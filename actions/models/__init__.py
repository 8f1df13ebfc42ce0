"""Calls for projects (appels à projets), proposals (fiches action) and their instruction.

The workflow of an action lives in :mod:`actions.services` (one state machine); this
module only holds the data, the scoped querysets and the rules about one object.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.scope import Scope
from cites.models import Cite, LocalAxis, Organisation, PriorityArea, School
from core.models import MONEY, TimeStamped
from core.params import MAX_YEAR, MIN_YEAR


# --- QuerySets ---------------------------------------------------------------------------
class CallQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cité staff see every call of their cités; everyone sees published calls."""
        scope = Scope.for_user(user)
        if scope.is_admin:
            return self
        return self.filter(scope.cite_filter("cite__") | Q(is_published=True))

    def managed_by(self, user):
        return self.filter(Scope.for_user(user).managed_cite_filter("cite__"))

    def published(self):
        return self.filter(is_published=True)

    def open_now(self):
        now = timezone.now()
        return self.published().filter(opens_at__lte=now, closes_at__gt=now)


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


# --- Calls -------------------------------------------------------------------------------
class Call(TimeStamped):
    """An appel à projets of a cité for a year, open between two date-times."""

    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="calls", verbose_name="cité")
    year = models.PositiveSmallIntegerField(
        "année", validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    title = models.CharField("intitulé", max_length=250)
    text = models.TextField("présentation et règlement", blank=True)
    opens_at = models.DateTimeField("ouverture")
    closes_at = models.DateTimeField("clôture")
    envelope = models.DecimalField(
        "enveloppe indicative", **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    axes = models.ManyToManyField(LocalAxis, related_name="calls", verbose_name="axes visés", blank=True)
    is_published = models.BooleanField(
        "publié", default=True, help_text="Un appel publié apparaît sur les pages publiques pendant son ouverture."
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "appel à projets"
        verbose_name_plural = "appels à projets"
        ordering = ["-closes_at", "title"]
        constraints = [
            models.CheckConstraint(
                name="call_dates_ordered",
                condition=Q(closes_at__gt=models.F("opens_at")),
                violation_error_message="La clôture doit suivre l'ouverture.",
            ),
            models.CheckConstraint(
                name="call_envelope_not_negative",
                condition=Q(envelope__isnull=True) | Q(envelope__gte=0),
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})"

    def get_absolute_url(self):
        return reverse("calls:detail", args=[self.pk])

    @property
    def is_open(self):
        return self.is_published and self.opens_at <= timezone.now() < self.closes_at

    @property
    def is_closed(self):
        return timezone.now() >= self.closes_at


# --- Actions -----------------------------------------------------------------------------
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="reviewed_actions",
        verbose_name="rapporteurs",
        blank=True,
        help_text="Membres du pilotage de la cité chargés d'instruire la proposition.",
    )
    # A bilan waits for the end of the action, unless the coordination allows it earlier.
    early_report_allowed = models.BooleanField("bilan autorisé avant la fin de l'action", default=False)
    early_report_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="bilan anticipé autorisé par",
    )
    early_report_allowed_at = models.DateTimeField("bilan anticipé autorisé le", null=True, blank=True)

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
        return totals.get(BudgetLine.Side.CHARGE, Decimal("0")), totals.get(BudgetLine.Side.PRODUIT, Decimal("0"))

    def report_opens_on(self, today=None):
        """The date from which the bilan can be transmitted (the action's end date), or
        None when it can be transmitted now: the action has ended, or the coordination
        of the cité allowed an early bilan."""
        today = today or timezone.localdate()
        if self.early_report_allowed or not self.end_date or self.end_date <= today:
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


class Indicator(TimeStamped):
    """An evaluation indicator of an action: what will be measured, and the target."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="indicators", verbose_name="action")
    label = models.CharField("indicateur", max_length=250)
    target = models.DecimalField("cible", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    unit = models.CharField("unité", max_length=50, blank=True, help_text="Par exemple : élèves, séances, %")
    # Filled in the bilan (ActionReport), against the target.
    result = models.DecimalField(
        "résultat obtenu", max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    result_comment = models.TextField("commentaire sur le résultat", blank=True)

    objects = ScopedByActionQuerySet.as_manager()

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["action", "id"]
        constraints = [
            models.CheckConstraint(
                name="indicator_target_not_negative",
                condition=Q(target__gte=0),
                violation_error_message="La cible ne peut pas être négative.",
            )
        ]

    def __str__(self):
        return self.label


CHARGE_ACCOUNTS = ["60", "61", "62", "63", "64", "65", "66", "67", "68", "86"]
PRODUIT_ACCOUNTS = ["70", "71", "72", "73", "74", "75", "76", "77", "78", "87"]
SUBSIDY_ACCOUNT = "74"


class BudgetLine(TimeStamped):
    """A line of the action budget (plan comptable associatif, CERFA 12156 / 15059).

    Charges use accounts 60–68 and 86, produits 70–78 and 87; a subsidy (account 74)
    names the funder asked.
    """

    class Side(models.TextChoices):
        CHARGE = "charge", "Charge"
        PRODUIT = "produit", "Produit"

    class Account(models.TextChoices):
        A60 = "60", "60 – Achats"
        A61 = "61", "61 – Services extérieurs"
        A62 = "62", "62 – Autres services extérieurs"
        A63 = "63", "63 – Impôts et taxes"
        A64 = "64", "64 – Charges de personnel"
        A65 = "65", "65 – Autres charges de gestion courante"
        A66 = "66", "66 – Charges financières"
        A67 = "67", "67 – Charges exceptionnelles"
        A68 = "68", "68 – Dotations aux amortissements"
        A86 = "86", "86 – Emploi des contributions volontaires en nature"
        A70 = "70", "70 – Ventes, prestations de services"
        A71 = "71", "71 – Production stockée"
        A72 = "72", "72 – Production immobilisée"
        A73 = "73", "73 – Dotations et produits de tarification"
        A74 = "74", "74 – Subventions d'exploitation"
        A75 = "75", "75 – Autres produits de gestion courante"
        A76 = "76", "76 – Produits financiers"
        A77 = "77", "77 – Produits exceptionnels"
        A78 = "78", "78 – Reprises sur amortissements et provisions"
        A87 = "87", "87 – Contributions volontaires en nature"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="budget_lines", verbose_name="action")
    side = models.CharField("nature", max_length=8, choices=Side.choices)
    account = models.CharField("compte", max_length=2, choices=Account.choices)
    label = models.CharField("libellé", max_length=250)
    funder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requested_budget_lines",
        verbose_name="financeur sollicité",
    )
    amount_planned = models.DecimalField("montant prévu", **MONEY, validators=[MinValueValidator(0)])
    amount_actual = models.DecimalField(
        "montant réalisé", **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    variance_explanation = models.TextField(
        "explication de l'écart",
        blank=True,
        help_text="Obligatoire quand le montant réalisé s'écarte de plus de 15 % du montant prévu.",
    )

    objects = ScopedByActionQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne budgétaire"
        verbose_name_plural = "lignes budgétaires"
        ordering = ["action", "side", "account", "id"]
        constraints = [
            models.CheckConstraint(
                name="budget_line_account_matches_side",
                condition=Q(side="charge", account__in=CHARGE_ACCOUNTS)
                | Q(side="produit", account__in=PRODUIT_ACCOUNTS),
                violation_error_message="Ce compte ne correspond pas à la nature de la ligne.",
            ),
            models.CheckConstraint(
                name="budget_line_subsidy_names_funder",
                condition=~Q(account=SUBSIDY_ACCOUNT) | Q(funder__isnull=False),
                violation_error_message="Une subvention (compte 74) indique le financeur sollicité.",
            ),
            models.CheckConstraint(
                name="budget_line_amounts_not_negative",
                condition=Q(amount_planned__gte=0) & (Q(amount_actual__isnull=True) | Q(amount_actual__gte=0)),
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.label} : {self.amount_planned} €"

    @property
    def variance(self):
        """Actual minus planned, or None while the actual amount is unknown."""
        if self.amount_actual is None:
            return None
        return self.amount_actual - self.amount_planned

    @property
    def needs_explanation(self):
        """CERFA 15059: a significant gap (more than 15 % of the planned amount) is explained."""
        return variance_needs_explanation(self.amount_planned, self.amount_actual)

    def clean(self):
        super().clean()
        if self.side == self.Side.CHARGE and self.account and self.account not in CHARGE_ACCOUNTS:
            raise ValidationError({"account": "Une charge utilise un compte 60 à 68 ou 86."})
        if self.side == self.Side.PRODUIT and self.account and self.account not in PRODUIT_ACCOUNTS:
            raise ValidationError({"account": "Un produit utilise un compte 70 à 78 ou 87."})
        if self.account == SUBSIDY_ACCOUNT and not self.funder_id:
            raise ValidationError({"funder": "Indiquez le financeur sollicité pour une subvention (compte 74)."})


VARIANCE_THRESHOLD = Decimal("0.15")


def variance_needs_explanation(planned, actual):
    if actual is None:
        return False
    if not planned:
        return actual > 0
    return abs(actual - planned) > planned * VARIANCE_THRESHOLD


class Transition(models.Model):
    """One step of an action's workflow: the timeline (who, when, from, to, why)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="transitions", verbose_name="action")
    from_status = models.CharField("statut de départ", max_length=20, choices=Action.Status.choices)
    to_status = models.CharField("nouveau statut", max_length=20, choices=Action.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="auteur"
    )
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True)

    objects = ScopedByActionQuerySet.as_manager()

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["action", "created_at", "id"]

    def __str__(self):
        return f"{self.action_id} : {self.from_status} → {self.to_status}"


class Opinion(TimeStamped):
    """An avis on a proposal by a member of the troïka or the coordination.

    Visible to cité staff, never to the porteur.
    """

    class Verdict(models.TextChoices):
        FAVOURABLE = "favourable", "Favorable"
        RESERVED = "reserved", "Réservé"
        UNFAVOURABLE = "unfavourable", "Défavorable"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="opinions", verbose_name="action")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="auteur"
    )
    verdict = models.CharField("avis", max_length=15, choices=Verdict.choices)
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "avis"
        verbose_name_plural = "avis"
        ordering = ["action", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["action", "author"], name="opinion_unique_per_author")]

    def __str__(self):
        return f"{self.get_verdict_display()} ({self.author})"


class Note(TimeStamped):
    """An internal note of the instruction, never shown to the porteur."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes", verbose_name="action")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="auteur"
    )
    text = models.TextField("note")

    class Meta:
        verbose_name = "note interne"
        verbose_name_plural = "notes internes"
        ordering = ["action", "created_at", "id"]

    def __str__(self):
        return self.text[:60]


class Message(TimeStamped):
    """A message of the thread between the coordination and the porteur (both see it)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="messages", verbose_name="action")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="auteur"
    )
    from_porteur = models.BooleanField("envoyé par le porteur", default=False)
    text = models.TextField("message")

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["action", "created_at", "id"]

    def __str__(self):
        return self.text[:60]


from .attachments import Attachment  # noqa: E402, F401, I001
from .reports import ActionReport, BeneficiaryCount  # noqa: E402, F401, I001
from .signup import JoinRequest  # noqa: E402, F401, I001
