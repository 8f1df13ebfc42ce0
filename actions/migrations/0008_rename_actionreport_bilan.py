"""The porteur's bilan is `Bilan` in code (it was `ActionReport`): the model, its relation
from the action (`action.bilan`), the beneficiaries' key (`BeneficiaryCount.bilan`) and the
action's early-bilan fields. Renames only: every row is kept. The table becomes
``actions_bilan`` (was ``actions_actionreport``); the columns ``report_id`` and
``early_report_allowed*`` become ``bilan_id`` and ``early_bilan_allowed*``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0007_action_early_report_allowed"),
    ]

    operations = [
        migrations.RenameModel(old_name="ActionReport", new_name="Bilan"),
        # The unique constraint names its fields: dropped before the rename, made again after.
        migrations.RemoveConstraint(model_name="beneficiarycount", name="beneficiary_count_unique_band"),
        migrations.RenameField(model_name="beneficiarycount", old_name="report", new_name="bilan"),
        migrations.AddConstraint(
            model_name="beneficiarycount",
            constraint=models.UniqueConstraint(fields=("bilan", "age_band"), name="beneficiary_count_unique_band"),
        ),
        migrations.AlterModelOptions(
            name="beneficiarycount",
            options={
                "ordering": ["bilan", "id"],
                "verbose_name": "bénéficiaires d'une tranche d'âge",
                "verbose_name_plural": "bénéficiaires par tranche d'âge",
            },
        ),
        migrations.AlterField(
            model_name="bilan",
            name="action",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="bilan",
                to="actions.action",
                verbose_name="action",
            ),
        ),
        migrations.RenameField(model_name="action", old_name="early_report_allowed", new_name="early_bilan_allowed"),
        migrations.RenameField(
            model_name="action", old_name="early_report_allowed_at", new_name="early_bilan_allowed_at"
        ),
        migrations.RenameField(
            model_name="action", old_name="early_report_allowed_by", new_name="early_bilan_allowed_by"
        ),
    ]
