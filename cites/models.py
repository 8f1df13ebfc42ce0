"""Territory and governance: cités, their perimeter, organisations, conventions, axes."""

from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from accounts.departements import DEPARTEMENT_CHOICES, departement_name, region_of
from accounts.models import Invitation, Membership, Role
from accounts.scope import Scope
from core.models import TimeStamped

from .validators import validate_insee, validate_qpv, validate_rna, validate_siret, validate_uai


# --- QuerySets ---------------------------------------------------------------------------
class CiteQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(Scope.for_user(user).cite_filter())

    def managed_by(self, user):
        return self.filter(Scope.for_user(user).managed_cite_filter())


class ReferenceQuerySet(models.QuerySet):
    """Communes, QPVs and schools are public reference data, readable by cité staff."""

    def visible_to(self, user):
        scope = Scope.for_user(user)
        return self if scope.is_staff_of_some_cite else self.none()


class CiteScopedQuerySet(models.QuerySet):
    """For models with a ``cite`` foreign key (conventions, axes)."""

    def visible_to(self, user):
        return self.filter(Scope.for_user(user).cite_filter("cite__"))

    def managed_by(self, user):
        return self.filter(Scope.for_user(user).managed_cite_filter("cite__"))


class ScopedByConventionQuerySet(models.QuerySet):
    """For the parts of a convention (amendments, commitments): those of visible conventions."""

    def visible_to(self, user):
        return self.filter(convention__in=Convention.objects.visible_to(user))


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Organisations working in the cités the user reads, plus the user's own."""
        scope = Scope.for_user(user)
        if scope.is_admin:
            return self
        in_cites = Organisation.cites.through.objects.filter(scope.cite_filter("cite__")).values("organisation_id")
        return self.filter(Q(id__in=in_cites) | Q(id__in=scope.organisations))

    def funders(self):
        return self.filter(is_funder=True)

    def open_to_first_member(self, cite_ids):
        """Organisations whose first member a coordinator of ``cite_ids`` may invite: they
        work in those cités only and have no member and no pending invitation yet."""
        outside = Organisation.cites.through.objects.filter(organisation_id=OuterRef("pk")).exclude(
            cite_id__in=cite_ids
        )
        members = Membership.objects.active().filter(role=Role.PARTNER, organisation_id=OuterRef("pk"))
        pending = Invitation.objects.pending().filter(role=Role.PARTNER, organisation_id=OuterRef("pk"))
        return self.filter(~Exists(outside), ~Exists(members), ~Exists(pending))


# --- Reference data ----------------------------------------------------------------------
class Commune(TimeStamped):
    """A commune, identified by its INSEE code (code officiel géographique)."""

    insee_code = models.CharField("code INSEE", max_length=5, unique=True, validators=[validate_insee])
    name = models.CharField("nom", max_length=150)
    departement = models.CharField("département", max_length=3, choices=DEPARTEMENT_CHOICES)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"


class PriorityArea(TimeStamped):
    """A QPV (quartier prioritaire de la politique de la ville), code ``QN…`` since 2024."""

    code = models.CharField("code QPV", max_length=10, unique=True, validators=[validate_qpv])
    name = models.CharField("nom", max_length=200)
    communes = models.ManyToManyField(Commune, related_name="priority_areas", verbose_name="communes", blank=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class School(TimeStamped):
    """A school (établissement scolaire) identified by its UAI code (7 digits + check letter)."""

    class Kind(models.TextChoices):
        ECOLE = "ecole", "École"
        COLLEGE = "college", "Collège"
        LYCEE = "lycee", "Lycée"
        OTHER = "autre", "Autre établissement"

    class Priority(models.TextChoices):
        NONE = "", "Hors éducation prioritaire"
        REP = "rep", "REP"
        REP_PLUS = "rep_plus", "REP+"

    uai = models.CharField("code UAI", max_length=8, unique=True, validators=[validate_uai])
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    education_priority = models.CharField("éducation prioritaire", max_length=10, choices=Priority.choices, blank=True)
    pupils = models.PositiveIntegerField("nombre d'élèves", null=True, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="schools", verbose_name="commune")

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = "établissement scolaire"
        verbose_name_plural = "établissements scolaires"
        ordering = ["name"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


# --- Cité --------------------------------------------------------------------------------
class Cite(TimeStamped):
    """A Cité éducative: a labelled territory around one or more QPVs."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        LABELLED = "labelled", "Labellisée"
        ENDED = "ended", "Label terminé"

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=60, unique=True)
    code = models.CharField(
        "préfixe des références",
        max_length=12,
        unique=True,
        help_text="Préfixe des références des actions, par exemple ALES pour ALES-2026-014.",
    )
    departement = models.CharField("département", max_length=3, choices=DEPARTEMENT_CHOICES, db_index=True)
    label_year = models.PositiveSmallIntegerField("vague de labellisation")
    label_start = models.DateField("début du label")
    label_end = models.DateField("fin du label")
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name="renouvellement de",
    )
    lead_school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_cites",
        verbose_name="collège chef de file",
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.LABELLED)
    description = models.TextField("présentation", blank=True)
    communes = models.ManyToManyField(Commune, related_name="cites", verbose_name="communes", blank=True)
    priority_areas = models.ManyToManyField(
        PriorityArea, related_name="cites", verbose_name="quartiers prioritaires", blank=True
    )
    schools = models.ManyToManyField(School, related_name="cites", verbose_name="établissements", blank=True)

    objects = CiteQuerySet.as_manager()

    class Meta:
        verbose_name = "cité éducative"
        verbose_name_plural = "cités éducatives"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="cite_label_dates_ordered",
                condition=Q(label_end__gte=models.F("label_start")),
                violation_error_message="La fin du label doit suivre son début.",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:60]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("cites:cite_detail", args=[self.pk])

    @property
    def departement_name(self):
        return departement_name(self.departement)

    @property
    def region(self):
        return region_of(self.departement)


class LocalAxis(TimeStamped):
    """A local axis (or sub-axis) of a cité, under one of the three national objectives."""

    class NationalObjective(models.IntegerChoices):
        SCHOOL = 1, "Conforter le rôle de l'école"
        CONTINUITY = 2, "Promouvoir la continuité éducative"
        POSSIBILITIES = 3, "Ouvrir le champ des possibles"

    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="axes", verbose_name="cité")
    national_objective = models.PositiveSmallIntegerField("objectif national", choices=NationalObjective.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name="axe parent"
    )
    code = models.CharField("code", max_length=10)
    title = models.CharField("intitulé", max_length=250)
    description = models.TextField("description", blank=True)

    objects = CiteScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "axe local"
        verbose_name_plural = "axes locaux"
        ordering = ["cite", "code"]
        constraints = [models.UniqueConstraint(fields=["cite", "code"], name="local_axis_code_unique_per_cite")]

    def __str__(self):
        return f"{self.code} – {self.title}"


# --- Organisations -----------------------------------------------------------------------
class Organisation(TimeStamped):
    """An association, collectivité, State service, school or company.

    Funders are organisations too (``is_funder``). SIRET is the 14-digit establishment
    number (Luhn-checked); RNA is the association register number (``W`` + 9 digits).
    """

    class Kind(models.TextChoices):
        ASSOCIATION = "association", "Association"
        COLLECTIVITE = "collectivite", "Collectivité territoriale"
        ETAT = "etat", "Service de l'État"
        ETABLISSEMENT = "etablissement", "Établissement scolaire"
        ORGANISME_SOCIAL = "organisme_social", "Organisme social (CAF…)"
        ENTREPRISE = "entreprise", "Entreprise"
        AUTRE = "autre", "Autre"

    name = models.CharField("nom", max_length=250)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    siret = models.CharField("SIRET", max_length=14, unique=True, null=True, blank=True, validators=[validate_siret])
    rna = models.CharField("numéro RNA", max_length=10, blank=True, validators=[validate_rna])
    is_funder = models.BooleanField("financeur", default=False)
    address = models.CharField("adresse", max_length=250, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=150, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    cites = models.ManyToManyField(Cite, related_name="organisations", verbose_name="cités", blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cites:organisation_detail", args=[self.pk])


# --- Conventions -------------------------------------------------------------------------
def convention_upload_path(instance, filename):
    convention = getattr(instance, "convention", instance)
    return f"conventions/{convention.cite_id}/{filename}"


PDF_ONLY = FileExtensionValidator(["pdf"], "Seuls les fichiers PDF sont acceptés.")


class Convention(TimeStamped):
    """The convention-cadre of a cité (or another convention), with its signed PDF."""

    class Kind(models.TextChoices):
        CADRE = "cadre", "Convention-cadre"
        FONDS = "fonds", "Convention Fonds de la cité"
        OTHER = "autre", "Autre convention"

    class Status(models.TextChoices):
        DRAFT = "draft", "En préparation"
        SIGNED = "signed", "Signée"
        ENDED = "ended", "Échue"

    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="conventions", verbose_name="cité")
    kind = models.CharField("type", max_length=10, choices=Kind.choices, default=Kind.CADRE)
    title = models.CharField("intitulé", max_length=250)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    signed_on = models.DateField("signée le", null=True, blank=True)
    start_date = models.DateField("début")
    end_date = models.DateField("fin")
    document = models.FileField(
        "document signé (PDF)", upload_to=convention_upload_path, blank=True, validators=[PDF_ONLY]
    )
    notes = models.TextField("observations", blank=True)
    history = HistoricalRecords()

    objects = CiteScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                name="convention_dates_ordered",
                condition=Q(end_date__gte=models.F("start_date")),
                violation_error_message="La date de fin doit suivre la date de début.",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cites:convention_detail", args=[self.pk])


class Amendment(TimeStamped):
    """An avenant to a convention."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="amendments", verbose_name="convention"
    )
    number = models.PositiveSmallIntegerField("numéro")
    signed_on = models.DateField("signé le", null=True, blank=True)
    subject = models.CharField("objet", max_length=250)
    document = models.FileField(
        "document signé (PDF)", upload_to=convention_upload_path, blank=True, validators=[PDF_ONLY]
    )

    objects = ScopedByConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "avenant"
        verbose_name_plural = "avenants"
        ordering = ["convention", "number"]
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="amendment_number_unique")]

    def __str__(self):
        return f"Avenant n° {self.number} – {self.subject}"


class Signatory(TimeStamped):
    """Someone who signed a convention on behalf of an organisation."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="signatories", verbose_name="convention"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signatures", verbose_name="organisation"
    )
    person_title = models.CharField("qualité du signataire", max_length=200, help_text="Par exemple : préfet du Gard")
    person_name = models.CharField("nom du signataire", max_length=200, blank=True)

    class Meta:
        verbose_name = "signataire"
        verbose_name_plural = "signataires"
        ordering = ["convention", "id"]

    def __str__(self):
        return f"{self.person_title} ({self.organisation})"


class ConventionCommitment(TimeStamped):
    """A funder's yearly financial commitment under a convention."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="commitments", verbose_name="convention"
    )
    funder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="convention_commitments", verbose_name="financeur"
    )
    year = models.PositiveSmallIntegerField("année")
    amount = models.DecimalField("montant engagé", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    history = HistoricalRecords()

    objects = ScopedByConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "engagement financier"
        verbose_name_plural = "engagements financiers"
        ordering = ["convention", "year", "funder__name"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "funder", "year"], name="commitment_unique_per_year"),
            models.CheckConstraint(
                name="commitment_amount_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.funder} {self.year} : {self.amount} €"
