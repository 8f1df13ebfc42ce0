"""Map every funding line status of the old status changes onto the declared lifecycle
(financements.services.TRANSITIONS).

Old status → new status:

- requested, decided, committed, paid, rejected, cancelled, to_recover: the same status
  (same name, same meaning in the table);
- justified with an amount to recover → recovered: under the old table a line « à
  reverser » could only leave towards « justifié », keeping its amount to recover — that
  was how « the porteur gave it back » was recorded. In the new table a justified line
  owes nothing (waiving a recovery sets the amount to 0) and the repayment is
  « reversé ». Each mapped line gets a LineTransition (no author) saying so;
- justified without an amount to recover: justified.

Reversible: recovered → justified (the amount to recover is kept, as the old table did),
and the transitions written here are deleted.
"""

from django.db import migrations

MAPPING = {
    "requested": "requested",
    "decided": "decided",
    "committed": "committed",
    "paid": "paid",
    "justified": "justified",  # "recovered" when an amount to recover is kept (see above)
    "rejected": "rejected",
    "cancelled": "cancelled",
    "to_recover": "to_recover",
}
MIGRATION_COMMENT = "Reprise des données : ligne justifiée après un reversement, passée au statut « Reversé »."


def forwards(apps, schema_editor):
    FundingLine = apps.get_model("financements", "FundingLine")
    LineTransition = apps.get_model("financements", "LineTransition")
    for old, new in MAPPING.items():
        if old != new:
            FundingLine.objects.filter(status=old).update(status=new)
    repaid = FundingLine.objects.filter(status="justified", amount_to_recover__gt=0)
    ids = list(repaid.values_list("pk", flat=True))
    repaid.update(status="recovered")
    LineTransition.objects.bulk_create(
        LineTransition(line_id=pk, from_status="justified", to_status="recovered", comment=MIGRATION_COMMENT)
        for pk in ids
    )


def backwards(apps, schema_editor):
    FundingLine = apps.get_model("financements", "FundingLine")
    LineTransition = apps.get_model("financements", "LineTransition")
    LineTransition.objects.filter(comment=MIGRATION_COMMENT).delete()
    FundingLine.objects.filter(status="recovered").update(status="justified")


class Migration(migrations.Migration):
    dependencies = [
        ("financements", "0004_line_transition_and_recovery"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
