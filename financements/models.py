"""Money: yearly envelopes (dotations), funding lines per action, payments.

The invariants that a single row can express are database constraints (no negative
amount, a decided line has a decided amount, a payment is positive). Those that span
rows — the decided lines of an envelope never exceed it, payments never exceed the
decided amount, a line's funder is its envelope's funder — are enforced by
:mod:`financements.services` inside a transaction with the rows locked.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from accounts.scope import Scope
from actions.models import Action
from cites.models import Cite, Organisation
from core.models import MONEY, MONEY_FIELD, TimeStamped, done_by

ZERO = Decimal("0.00")


def _zero():
    return Value(ZERO, output_field=MONEY_FIELD)


def money_sum(expression, **kwargs):
    return Coalesce(Sum(expression, **kwargs), _zero(), output_field=MONEY_FIELD)


def _subquery_sum(queryset, group_field, amount_field):
    """A correlated ``SUM`` as a subquery: adds totals without multiplying joined rows."""
    summed = queryset.order_by().values(group_field).annotate(total=Sum(amount_field)).values("total")
    return Coalesce(Subquery(summed, output_field=MONEY_FIELD), _zero(), output_field=MONEY_FIELD)


def rate(part, whole):
    """``part / whole`` in percent, one decimal; None when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


class Programme(models.TextChoices):
    """The budget an envelope comes from (P147 and P230 are State budget programmes)."""

    P147 = "p147", "Programme 147 – politique de la ville"
    P230 = "p230", "Programme 230 – vie de l'élève (Éducation nationale)"
    COLLECTIVITE = "collectivite", "Collectivité"
    CAF = "caf", "CAF"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    FONDS_CITE = "fonds_cite", "Fonds de la cité"
    OTHER = "autre", "Autre"


class LineStatus(models.TextChoices):
    REQUESTED = "requested", "Demandé"
    DECIDED = "decided", "Décidé"
    COMMITTED = "committed", "Engagé"
    PAID = "paid", "Versé"
    JUSTIFIED = "justified", "Justifié"
    REJECTED = "rejected", "Refusé"
    CANCELLED = "cancelled", "Annulé"
    TO_RECOVER = "to_recover", "À reverser"
    RECOVERED = "recovered", "Reversé"


# Status groups of a funding line, declared once (the ledger and the services use them).
# Lines whose decided amount draws on the envelope. A line to recover, or recovered, keeps
# its decision: the amount to give back is a figure of its own (``amount_to_recover``),
# shown beside the decided and paid amounts, never a negative payment.
DECIDED_STATUSES = (
    LineStatus.DECIDED,
    LineStatus.COMMITTED,
    LineStatus.PAID,
    LineStatus.JUSTIFIED,
    LineStatus.TO_RECOVER,
    LineStatus.RECOVERED,
)
# Lines with a legal act (engagement juridique).
COMMITTED_STATUSES = (
    LineStatus.COMMITTED,
    LineStatus.PAID,
    LineStatus.JUSTIFIED,
    LineStatus.TO_RECOVER,
    LineStatus.RECOVERED,
)
# Lines without a decided amount: nothing of the envelope is used.
UNDECIDED_STATUSES = (LineStatus.REQUESTED, LineStatus.REJECTED, LineStatus.CANCELLED)


# --- QuerySets ---------------------------------------------------------------------------
class EnvelopeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cité staff (admin, coordinator, pilot, préfecture); never partners."""
        return self.filter(Scope.for_user(user).cite_filter("cite__"))

    def managed_by(self, user):
        return self.filter(Scope.for_user(user).managed_cite_filter("cite__"))

    def for_cite_year(self, cite, year):
        return self.filter(cite=cite, year=year)


class ThroughActionQuerySet(models.QuerySet):
    """Rows that belong to an action through ``action_path``. Cité staff see those of the
    cités they read; partners, those of the actions their organisation carries."""

    action_path = "action__"

    def visible_to(self, user):
        scope = Scope.for_user(user)
        if scope.is_admin:
            return self
        condition = Q(**{f"{self.action_path}porteur_id__in": scope.organisations})
        if scope.cite_ids or scope.departements:
            condition |= scope.cite_filter(f"{self.action_path}cite__")
        return self.filter(condition)

    def for_cite_year(self, cite, year):
        return self.filter(**{f"{self.action_path}cite": cite, f"{self.action_path}year": year})


class FundingLineQuerySet(ThroughActionQuerySet):
    def counted(self):
        """Lines whose decided amount draws on their envelope."""
        return self.filter(status__in=DECIDED_STATUSES)

    def with_paid(self):
        return self.annotate(
            paid_total=_subquery_sum(Payment.objects.filter(line=OuterRef("pk")), "line", "amount"),
        )


class PaymentQuerySet(ThroughActionQuerySet):
    action_path = "line__action__"


# --- Models ------------------------------------------------------------------------------
class Envelope(TimeStamped):
    """A dotation: what one funder puts into a cité for a year, under a programme."""

    cite = models.ForeignKey(Cite, on_delete=models.PROTECT, related_name="envelopes", verbose_name="cité")
    funder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="envelopes",
        verbose_name="financeur",
        limit_choices_to={"is_funder": True},
    )
    programme = models.CharField("programme", max_length=15, choices=Programme.choices)
    year = models.PositiveSmallIntegerField("année")
    amount = models.DecimalField("montant", **MONEY, validators=[MinValueValidator(0)])
    legal_reference = models.CharField(
        "référence juridique",
        max_length=250,
        blank=True,
        help_text="Par exemple : arrêté préfectoral de délégation de crédits, délibération du conseil communautaire.",
    )
    notes = models.TextField("observations", blank=True)
    # Totals kept up to date by financements.services, under the envelope's row lock, in
    # the transaction that changes a line or a payment of the envelope (see
    # services.refresh_envelope_totals). They let the national and préfecture dashboards
    # read this small table instead of every line and payment of the year. They cover the
    # lines drawn on the envelope only. They are the ledger's cache (financements.ledger
    # reads them for the pages covering many cités); the tests compare them with the rows.
    stored_decided = models.DecimalField(
        "total décidé (tenu à jour)",
        **MONEY,
        default=ZERO,
        editable=False,
        help_text="Somme des montants décidés des lignes de l'enveloppe "
        "(décidées, engagées, versées, justifiées, à reverser).",
    )
    stored_paid = models.DecimalField(
        "total versé (tenu à jour)",
        **MONEY,
        default=ZERO,
        editable=False,
        help_text="Somme des versements des lignes de l'enveloppe.",
    )
    history = HistoricalRecords(excluded_fields=["stored_decided", "stored_paid"])

    objects = EnvelopeQuerySet.as_manager()

    # Written only by services.refresh_envelope_totals (one UPDATE): save() leaves them out,
    # so that an envelope form read before a decision cannot write back a stale total.
    MAINTAINED_FIELDS = ("stored_decided", "stored_paid")

    class Meta:
        verbose_name = "enveloppe"
        verbose_name_plural = "enveloppes"
        ordering = ["cite", "-year", "programme", "funder__name"]
        constraints = [
            models.UniqueConstraint(fields=["cite", "funder", "programme", "year"], name="envelope_unique"),
            models.CheckConstraint(
                name="envelope_amount_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                name="envelope_stored_totals_not_negative",
                condition=Q(stored_decided__gte=0) & Q(stored_paid__gte=0),
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
            # Payments never exceed a line's decided amount, and only lines that draw on
            # the envelope carry payments (services.record_payment, change_status).
            models.CheckConstraint(
                name="envelope_paid_within_decided",
                condition=Q(stored_paid__lte=models.F("stored_decided")),
                violation_error_message="Les versements d'une enveloppe ne peuvent pas dépasser ses montants décidés.",
            ),
        ]

    def __str__(self):
        return f"{self.funder} – {self.get_programme_display()} {self.year}"

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.MAINTAINED_FIELDS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("financements:envelope_detail", args=[self.pk])


class FundingLine(TimeStamped):
    """One funder's contribution to one action, drawn from an envelope.

    Created from an account-74 line of the action budget (``budget_line``). Amounts:
    requested by the porteur, proposed by the instruction, decided by the COPIL (or the
    funder's vote). ``external_reference`` is e.g. the Dauphin file number (the ANCT
    subsidy platform).
    """

    class LegalActType(models.TextChoices):
        ARRETE = "arrete", "Arrêté attributif"
        CONVENTION = "convention", "Convention attributive"
        CPO = "cpo", "Convention pluriannuelle d'objectifs"
        DELIBERATION = "deliberation", "Délibération"
        CA_VOTE = "ca_vote", "Vote du conseil d'administration"

    Status = LineStatus

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="funding_lines", verbose_name="action")
    funder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="funding_lines", verbose_name="financeur"
    )
    envelope = models.ForeignKey(
        Envelope,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name="enveloppe",
    )
    budget_line = models.OneToOneField(
        "actions.BudgetLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funding_line",
        verbose_name="ligne du budget prévisionnel",
    )
    requested_amount = models.DecimalField("montant demandé", **MONEY, default=ZERO, validators=[MinValueValidator(0)])
    proposed_amount = models.DecimalField(
        "montant proposé", **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    decided_amount = models.DecimalField(
        "montant décidé", **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        "statut", max_length=12, choices=LineStatus.choices, default=LineStatus.REQUESTED, db_index=True
    )
    legal_act_type = models.CharField("type d'acte juridique", max_length=15, choices=LegalActType.choices, blank=True)
    legal_act_reference = models.CharField("référence de l'acte", max_length=250, blank=True)
    legal_act_date = models.DateField("date de l'acte", null=True, blank=True)
    external_reference = models.CharField(
        "référence externe", max_length=100, blank=True, help_text="Par exemple : numéro de dossier Dauphin."
    )
    amount_to_recover = models.DecimalField(
        "montant à reverser", **MONEY, default=ZERO, validators=[MinValueValidator(0)]
    )
    # The titre de recette by which the porteur gave ``amount_to_recover`` back (« reversé »).
    recovery_date = models.DateField("date du reversement", null=True, blank=True)
    recovery_reference = models.CharField(
        "référence du titre de recette", max_length=100, blank=True, help_text="Par exemple : titre de recette n° 42."
    )
    comment = models.TextField("commentaire", blank=True)
    history = HistoricalRecords()

    objects = FundingLineQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne de financement"
        verbose_name_plural = "lignes de financement"
        ordering = ["action", "funder__name", "id"]
        constraints = [
            models.CheckConstraint(
                name="funding_line_amounts_not_negative",
                condition=Q(requested_amount__gte=0)
                & Q(amount_to_recover__gte=0)
                & (Q(proposed_amount__isnull=True) | Q(proposed_amount__gte=0))
                & (Q(decided_amount__isnull=True) | Q(decided_amount__gte=0)),
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                name="funding_line_decided_has_amount",
                condition=Q(status__in=UNDECIDED_STATUSES) | Q(decided_amount__isnull=False),
                violation_error_message="Une ligne décidée porte un montant décidé.",
            ),
            models.CheckConstraint(
                name="funding_line_recover_within_decided",
                condition=Q(amount_to_recover=0) | Q(amount_to_recover__lte=models.F("decided_amount")),
                violation_error_message="Le montant à reverser ne peut pas dépasser le montant décidé.",
            ),
        ]

    def __str__(self):
        return f"{self.funder} → {self.action}"

    def get_absolute_url(self):
        return reverse("financements:line_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.envelope_id and self.funder_id and self.envelope.funder_id != self.funder_id:
            raise ValidationError({"envelope": "Le financeur de la ligne doit être celui de l'enveloppe."})

    @property
    def counts_on_envelope(self):
        return self.status in DECIDED_STATUSES

    @property
    def programme_label(self):
        return self.envelope.get_programme_display() if self.envelope_id else "Hors enveloppe"

    def paid_amount(self):
        """Sum of the payments (one query; list pages use ``with_paid()``)."""
        return self.payments.aggregate(total=money_sum("amount"))["total"]


class Payment(TimeStamped):
    """A versement on a funding line: an advance, an instalment or the balance (solde)."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", "Avance"
        INSTALMENT = "instalment", "Acompte"
        BALANCE = "balance", "Solde"

    line = models.ForeignKey(
        FundingLine, on_delete=models.PROTECT, related_name="payments", verbose_name="ligne de financement"
    )
    kind = models.CharField("nature", max_length=12, choices=Kind.choices)
    amount = models.DecimalField("montant", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    date = models.DateField("date du versement")
    reference = models.CharField("référence", max_length=100, blank=True, help_text="Par exemple : numéro de mandat.")
    history = HistoricalRecords()

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "versement"
        verbose_name_plural = "versements"
        ordering = ["line", "date", "id"]
        constraints = [
            models.CheckConstraint(
                name="payment_amount_positive",
                condition=Q(amount__gt=0),
                violation_error_message="Le montant d'un versement doit être positif.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} de {self.amount} € le {self.date:%d/%m/%Y}"


class LineTransition(models.Model):
    """One step of a funding line's life: the timeline (who, when, from, to, why).

    Written by :mod:`financements.services` with every status change, in the same
    transaction; ``actor`` is empty for the system (demo loads, imports)."""

    line = models.ForeignKey(
        FundingLine, on_delete=models.CASCADE, related_name="transitions", verbose_name="ligne de financement"
    )
    from_status = models.CharField("statut de départ", max_length=12, choices=LineStatus.choices)
    to_status = models.CharField("nouveau statut", max_length=12, choices=LineStatus.choices)
    actor = done_by("auteur")
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True)

    class Meta:
        verbose_name = "changement de statut d'une ligne"
        verbose_name_plural = "changements de statut des lignes"
        ordering = ["line", "created_at", "id"]

    def __str__(self):
        return f"{self.line_id} : {self.from_status} → {self.to_status}"
