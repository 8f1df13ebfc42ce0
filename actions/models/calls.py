"""Calls for projects (appels à projets): a cité's call for a year, open between two
date-times, public while it is published."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.scope import Scope
from cites.models import Cite, LocalAxis
from core.models import MONEY, TimeStamped
from core.params import MAX_YEAR, MIN_YEAR


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
        return reverse("actions:public_call_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.is_published and self.opens_at <= timezone.now() < self.closes_at

    @property
    def is_closed(self):
        return timezone.now() >= self.closes_at
