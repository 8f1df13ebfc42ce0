"""The bilan of an action (compte rendu, CERFA 15059 style).

What was done, for whom (counts by age band and sex, and how many live in a QPV — never
names), each indicator's result against its target (on :class:`Indicator`) and the actual
amount of each budget line (on :class:`BudgetLine`).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.models import TimeStamped, done_by

from .action import Action, AgeBand, ScopedByActionQuerySet, budget_gap_message
from .budget import BudgetLine


class BilanQuerySet(ScopedByActionQuerySet):
    def transmitted(self):
        """Bilans the porteur transmitted: the only ones any figure may count."""
        return self.filter(submitted_at__isnull=False)


class BeneficiaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(bilan__action__in=Action.objects.visible_to(user))

    def transmitted(self):
        """Counts of transmitted bilans only: a saved draft never counts in a figure."""
        return self.filter(bilan__submitted_at__isnull=False)


class Bilan(TimeStamped):
    """The porteur's bilan of an action; submitting it moves the action to ``reported``."""

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="bilan", verbose_name="action")
    carried_out = models.TextField(
        "actions réalisées",
        blank=True,
        help_text="Ce qui a été fait : séances, sorties, calendrier réel, écarts par rapport au projet.",
    )
    results = models.TextField(
        "résultats obtenus",
        blank=True,
        help_text="Ce que l'action a changé pour les enfants, les jeunes, les familles.",
    )
    difficulties = models.TextField("difficultés rencontrées", blank=True)
    outlook = models.TextField("suites envisagées", blank=True)
    submitted_at = models.DateTimeField("transmis le", null=True, blank=True, editable=False)
    submitted_by = done_by("transmis par")

    objects = BilanQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan"
        verbose_name_plural = "bilans"

    def __str__(self):
        return f"Bilan – {self.action}"

    def beneficiaries_total(self):
        return sum(row.total for row in self.beneficiaries.all())

    def missing_items(self):
        """What prevents the bilan from being transmitted, in French, in the page's order."""
        missing = []
        for field in ("carried_out", "results"):
            if not getattr(self, field).strip():
                missing.append(f"Renseignez « {self._meta.get_field(field).verbose_name} ».")
        rows = list(self.beneficiaries.all())
        if not any(row.total for row in rows):
            missing.append("Indiquez le nombre de bénéficiaires par tranche d'âge et par sexe.")
        for indicator in self.action.indicators.all():
            if indicator.result is None:
                missing.append(f"Indiquez le résultat obtenu pour l'indicateur « {indicator.label} ».")
        lines = list(self.action.budget_lines.all())
        for line in lines:
            if line.amount_actual is None:
                missing.append(f"Indiquez le montant réalisé de la ligne « {line.account} – {line.label} ».")
            elif line.needs_explanation and not line.variance_explanation.strip():
                missing.append(f"Expliquez l'écart de plus de 15 % sur la ligne « {line.account} – {line.label} ».")
        if lines and all(line.amount_actual is not None for line in lines):
            # CERFA 15059: the compte rendu financier balances, like the budget it reports on.
            totals = {side: Decimal("0") for side in BudgetLine.Side.values}
            for line in lines:
                totals[line.side] += line.amount_actual
            charges, produits = totals[BudgetLine.Side.CHARGE], totals[BudgetLine.Side.PRODUIT]
            if charges != produits:
                missing.append(budget_gap_message(charges, produits, budget="Le budget réalisé"))
        return missing


class BeneficiaryCount(models.Model):
    """How many people of an age band the action reached: girls, boys, and how many of them
    live in a QPV (quartier prioritaire). Counts only: the portal never stores names."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="beneficiaries", verbose_name="bilan")
    age_band = models.CharField("tranche d'âge", max_length=20, choices=AgeBand.choices)
    girls = models.PositiveIntegerField("filles / femmes", default=0)
    boys = models.PositiveIntegerField("garçons / hommes", default=0)
    living_in_qpv = models.PositiveIntegerField("dont habitant un QPV", default=0)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "bénéficiaires d'une tranche d'âge"
        verbose_name_plural = "bénéficiaires par tranche d'âge"
        ordering = ["bilan", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bilan", "age_band"], name="beneficiary_count_unique_band"),
            models.CheckConstraint(
                name="beneficiary_qpv_within_total",
                condition=Q(living_in_qpv__lte=F("girls") + F("boys")),
                violation_error_message="Les habitants d'un QPV ne peuvent dépasser le total de la tranche d'âge.",
            ),
        ]

    def __str__(self):
        return f"{self.get_age_band_display()} : {self.total}"

    @property
    def total(self):
        return self.girls + self.boys

    def clean(self):
        super().clean()
        if self.living_in_qpv > self.girls + self.boys:
            raise ValidationError(
                {"living_in_qpv": "Les habitants d'un QPV ne peuvent dépasser le total de la tranche d'âge."}
            )
