"""A partner who signed up from a call asks to act for an organisation (by SIRET).

For an organisation already known, a référent of the organisation approves the request
(the national administration when it has none), which creates the partner membership; a
cité's coordinator never does. For a new SIRET, the organisation is created with the
partner as its member (and référent) at once, and the request, decided by the
coordination of the call's cité, validates it: until then, the partner can draft but not
submit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.scope import Scope
from cites.models import Cite, Organisation
from core.models import TimeStamped, done_by


class JoinRequestQuerySet(models.QuerySet):
    def managed_by(self, user):
        """Requests the user may decide: to join a known organisation, its référents; to
        validate an organisation created by the sign-up, the coordination of the call's
        cité; admins, both."""
        scope = Scope.for_user(user)
        if scope.is_admin:
            return self
        decided = Q(creates_organisation=False, organisation_id__in=scope.referent_organisations)
        if scope.coordinator_cites:
            decided |= Q(creates_organisation=True, cite_id__in=scope.coordinator_cites)
        return self.filter(decided)

    def visible_to(self, user):
        """A join request is read only by those who decide it."""
        return self.managed_by(user)

    def pending(self):
        return self.filter(status=JoinRequest.Status.PENDING)


class JoinRequest(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        APPROVED = "approved", "Acceptée"
        REJECTED = "rejected", "Refusée"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests", verbose_name="demandeur"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="join_requests", verbose_name="organisation"
    )
    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="join_requests", verbose_name="cité")
    creates_organisation = models.BooleanField(
        "nouvelle organisation", default=False, help_text="L'organisation a été créée par cette inscription."
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = done_by("décidée par")
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de rattachement"
        verbose_name_plural = "demandes de rattachement"
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(status="pending"),
                name="join_request_one_pending_per_user_and_organisation",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"
