"""Abstract models and field settings shared by every app (no table of their own)."""

from django.conf import settings
from django.db import models
from django.db.models import DecimalField

MONEY = {"max_digits": 12, "decimal_places": 2}  # euros and cents, up to 9 999 999 999,99
MONEY_FIELD = DecimalField(**MONEY)  # output_field of money annotations


class TimeStamped(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


def done_by(verbose_name, **options):
    """The user who did something (created, decided, uploaded…): optional, emptied when
    that user is deleted, and not followed back from the user (``related_name="+"``)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
        **options,
    )
