"""Per-envelope totals (decided, paid) kept by financements.services, filled here from the
existing lines and payments."""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

# financements.models.DECIDED_STATUSES, frozen here.
DECIDED_STATUSES = ("decided", "committed", "paid", "justified", "to_recover")
MONEY = models.DecimalField(max_digits=12, decimal_places=2)


def fill_totals(apps, schema_editor):
    """One UPDATE: every envelope gets the grouped sums of its lines and payments."""
    Envelope = apps.get_model("financements", "Envelope")
    FundingLine = apps.get_model("financements", "FundingLine")
    Payment = apps.get_model("financements", "Payment")
    decided = (
        FundingLine.objects.filter(envelope=OuterRef("pk"), status__in=DECIDED_STATUSES)
        .order_by()
        .values("envelope")
        .annotate(total=Sum("decided_amount"))
        .values("total")
    )
    paid = (
        Payment.objects.filter(line__envelope=OuterRef("pk"))
        .order_by()
        .values("line__envelope")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(Decimal("0.00"), output_field=MONEY)
    Envelope.objects.update(
        stored_decided=Coalesce(Subquery(decided, output_field=MONEY), zero, output_field=MONEY),
        stored_paid=Coalesce(Subquery(paid, output_field=MONEY), zero, output_field=MONEY),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cites", "0001_initial"),
        ("financements", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="envelope",
            name="stored_decided",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                editable=False,
                help_text="Somme des montants décidés des lignes de l'enveloppe "
                "(décidées, engagées, versées, justifiées, à reverser).",
                max_digits=12,
                verbose_name="total décidé (tenu à jour)",
            ),
        ),
        migrations.AddField(
            model_name="envelope",
            name="stored_paid",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                editable=False,
                help_text="Somme des versements des lignes de l'enveloppe.",
                max_digits=12,
                verbose_name="total versé (tenu à jour)",
            ),
        ),
        migrations.RunPython(fill_totals, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="envelope",
            constraint=models.CheckConstraint(
                condition=models.Q(("stored_decided__gte", 0), ("stored_paid__gte", 0)),
                name="envelope_stored_totals_not_negative",
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
        ),
        migrations.AddConstraint(
            model_name="envelope",
            constraint=models.CheckConstraint(
                condition=models.Q(("stored_paid__lte", models.F("stored_decided"))),
                name="envelope_paid_within_decided",
                violation_error_message="Les versements d'une enveloppe ne peuvent pas dépasser ses montants décidés.",
            ),
        ),
    ]
