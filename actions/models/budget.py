"""What a proposal plans and how it will be measured: its evaluation indicators and its
budget lines (plan comptable associatif), both filled again in the bilan."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from cites.models import Organisation
from core.models import MONEY, TimeStamped

from .action import Action, ScopedByActionQuerySet


class Indicator(TimeStamped):
    """An evaluation indicator of an action: what will be measured, and the target."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="indicators", verbose_name="action")
    label = models.CharField("indicateur", max_length=250)
    target = models.DecimalField("cible", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    unit = models.CharField("unité", max_length=50, blank=True, help_text="Par exemple : élèves, séances, %")
    # Filled in the bilan (Bilan), against the target.
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
