"""The instruction of a proposal: its timeline of status changes, the avis, the internal
notes and the message thread with the porteur."""

from django.conf import settings
from django.db import models

from core.models import TimeStamped

from .action import Action, ScopedByActionQuerySet


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
