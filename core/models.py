"""Abstract models and field settings shared by every app (no table of their own)."""

from django.db import models
from django.db.models import DecimalField

MONEY = {"max_digits": 12, "decimal_places": 2}  # euros and cents, up to 9 999 999 999,99
MONEY_FIELD = DecimalField(**MONEY)  # output_field of money annotations


class TimeStamped(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True
