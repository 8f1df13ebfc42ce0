"""Users, their memberships (role + what it applies to) and invitations.

This is the ground floor: foreign keys to ``cites`` are string references, never imports.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .departements import DEPARTEMENT_CHOICES


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordination (chef·fe de projet)"
    PILOT = "pilot", "Pilotage (troïka)"
    PREFECTURE = "prefecture", "Préfecture"
    PARTNER = "partner", "Partenaire (porteur de projet)"


CITE_ROLES = (Role.COORDINATOR, Role.PILOT)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account; logs in with their e-mail address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("adresse électronique", unique=True)
    full_name = models.CharField("nom complet", max_length=200)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    job_title = models.CharField("fonction", max_length=200, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def referents(self):
        return self.filter(role=Role.PARTNER, is_referent=True, is_active=True)

    def visible_to(self, user):
        """A user's own memberships, the members of their organisations and of the
        organisations working in the cités they read; admins see all. (A cité's team is
        listed by the cité's members page, not fetched here.)"""
        from .scope import Scope

        scope = Scope.for_user(user)
        if scope.is_admin:
            return self
        if not scope.is_authenticated:
            return self.none()
        # The organisation model is a string reference: reach its links without importing it.
        links = self.model._meta.get_field("organisation").related_model.cites.through
        in_cites = links.objects.filter(scope.cite_filter("cite__")).values("organisation_id")
        return self.filter(Q(user=user) | Q(organisation_id__in=scope.organisations) | Q(organisation_id__in=in_cites))


class Membership(models.Model):
    """A role held by a user, on a cité, a département or an organisation.

    coordinator and pilot apply to a cité, prefecture to a département, partner to an
    organisation (the *porteur de projet*). A partner may be a *référent* of their
    organisation: référents add and remove its members and decide requests to join it;
    access to an organisation is granted only by its référents or the national
    administration, never by a cité's coordinator.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name="utilisateur")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    cite = models.ForeignKey(
        "cites.Cite", on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name="cité"
    )
    departement = models.CharField("département", max_length=3, choices=DEPARTEMENT_CHOICES, blank=True)
    organisation = models.ForeignKey(
        "cites.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="organisation",
    )
    is_referent = models.BooleanField(
        "référent de l'organisation",
        default=False,
        help_text="Ajoute et retire les membres de l'organisation et décide des demandes de rattachement.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "rattachement"
        verbose_name_plural = "rattachements"
        ordering = ["role", "id"]
        constraints = [
            models.CheckConstraint(
                name="membership_target_matches_role",
                condition=(
                    Q(
                        role__in=["coordinator", "pilot"],
                        cite__isnull=False,
                        organisation__isnull=True,
                        departement="",
                    )
                    | Q(role="prefecture", cite__isnull=True, organisation__isnull=True, departement__gt="")
                    | Q(role="partner", cite__isnull=True, organisation__isnull=False, departement="")
                ),
                violation_error_message="Le rattachement ne correspond pas au rôle choisi.",
            ),
            models.CheckConstraint(
                name="membership_referent_is_partner",
                condition=Q(is_referent=False) | Q(role="partner"),
                violation_error_message="Seul un partenaire peut être référent de son organisation.",
            ),
        ]

    def __str__(self):
        target = self.cite or self.organisation or self.get_departement_display()
        return f"{self.user} – {self.get_role_display()} – {target}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())

    def expired_before(self, moment):
        """Never accepted, and expired before ``moment``."""
        return self.filter(accepted_at__isnull=True, expires_at__lt=moment)


class Invitation(models.Model):
    """An e-mailed link that lets someone create their account with a given role.

    Only a hash of the token is stored; the link works once and expires.
    """

    email = models.EmailField("adresse électronique")
    full_name = models.CharField("nom complet", max_length=200, blank=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    cite = models.ForeignKey(
        "cites.Cite", on_delete=models.CASCADE, null=True, blank=True, related_name="invitations", verbose_name="cité"
    )
    organisation = models.ForeignKey(
        "cites.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="organisation",
    )
    is_referent = models.BooleanField("référent de l'organisation", default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="invité par"
    )
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="acceptée par"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation de {self.email} ({self.get_role_display()})"

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def create_with_token(cls, **fields):
        """Create an invitation and return it with its clear token (shown once)."""
        token = secrets.token_urlsafe(32)
        fields.setdefault("expires_at", timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS))
        invitation = cls.objects.create(token_hash=cls.hash_token(token), **fields)
        return invitation, token

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self):
        return self.accepted_at is None and not self.is_expired

    @property
    def status_label(self):
        if self.accepted_at:
            return "Acceptée"
        if self.is_expired:
            return "Expirée"
        return "En attente"
