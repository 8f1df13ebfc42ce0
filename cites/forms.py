from django import forms
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from dsfr.forms import DsfrBaseForm

from accounts.models import Role
from accounts.scope import Scope
from accounts.services import SELF_INVITATION
from core import uploads
from core.formatting import format_euros
from core.forms import Column, CrispyFormMixin, Fieldset, Layout, Row

from .models import (
    Amendment,
    Cite,
    Commune,
    Convention,
    ConventionCommitment,
    LocalAxis,
    Organisation,
    PriorityArea,
    School,
    Signatory,
)
from .validators import normalize_siret

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def lead_school_among_colleges(form):
    """The lead school (collège chef de file) is picked among the cité's collèges."""
    cite, field = form.instance, form.fields["lead_school"]
    if cite.pk:
        field.queryset = cite.schools.filter(kind=School.Kind.COLLEGE)
    else:
        field.queryset = School.objects.none()
        field.help_text = "Choisissez-le après avoir renseigné les établissements du périmètre."


class CiteForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Cite
        fields = [
            "name", "code", "departement", "status", "label_year", "label_start", "label_end",
            "renewal_of", "lead_school", "description",
        ]  # fmt: skip
        widgets = {"label_start": DATE_WIDGET, "label_end": DATE_WIDGET}

    def get_layout(self):
        return Layout(
            Fieldset("Identité", Row(Column("name"), Column("code")), Row(Column("departement"), Column("status"))),
            Fieldset("Label", Row(Column("label_year"), Column("label_start"), Column("label_end")), "renewal_of"),
            Fieldset("Pilotage", "lead_school", "description"),
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cite = self.instance
        lead_school_among_colleges(self)
        if cite.pk:
            self.fields["renewal_of"].queryset = Cite.objects.exclude(pk=cite.pk)

    def clean_code(self):
        return self.cleaned_data["code"].upper()


class CiteProfileForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    """The cité's local profile, which its coordination edits. Its national record (name,
    code, département, status, label dates, renewal) is the national administration's
    (:class:`CiteForm`)."""

    class Meta:
        model = Cite
        fields = ["lead_school", "description"]

    def get_layout(self):
        return Layout(Fieldset("Pilotage", "lead_school", "description"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lead_school_among_colleges(self)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("label_start"), cleaned.get("label_end")
        if start and end and end < start:
            self.add_error("label_end", "La fin du label doit suivre son début.")
        return cleaned


class PerimeterForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Cite
        fields = ["communes", "priority_areas", "schools"]
        widgets = {
            "communes": forms.CheckboxSelectMultiple,
            "priority_areas": forms.CheckboxSelectMultiple,
            "schools": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dep = self.instance.departement
        # Offer the reference data of the cité's département, plus what it already has.
        self.fields["communes"].queryset = Commune.objects.filter(departement=dep) | self.instance.communes.all()
        self.fields["priority_areas"].queryset = (
            PriorityArea.objects.filter(communes__departement=dep) | self.instance.priority_areas.all()
        ).distinct()
        self.fields["schools"].queryset = (
            School.objects.filter(commune__departement=dep) | self.instance.schools.all()
        ).select_related("commune")


class CommuneForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Commune
        fields = ["insee_code", "name", "departement"]

    def get_layout(self):
        return Layout(Row(Column("insee_code"), Column("name"), Column("departement")))

    def clean_insee_code(self):
        return self.cleaned_data["insee_code"].upper()

    def clean(self):
        cleaned = super().clean()
        code, dep = cleaned.get("insee_code"), cleaned.get("departement")
        if code and dep and not code.startswith(dep[:2] if len(dep) == 2 else dep):
            self.add_error("insee_code", f"Un code INSEE du département {dep} commence par {dep}.")
        return cleaned


class PriorityAreaForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = PriorityArea
        fields = ["code", "name", "communes"]
        widgets = {"communes": forms.CheckboxSelectMultiple}

    def get_layout(self):
        return Layout(Row(Column("code"), Column("name")), "communes")

    def __init__(self, *args, cite, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communes"].queryset = cite.communes.all()

    def clean_code(self):
        return self.cleaned_data["code"].upper()


class SchoolForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = School
        fields = ["uai", "name", "kind", "education_priority", "pupils", "commune"]

    def get_layout(self):
        return Layout(
            Row(Column("uai"), Column("name")),
            Row(Column("kind"), Column("education_priority"), Column("pupils")),
            "commune",
        )

    def __init__(self, *args, cite, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = cite.communes.all()

    def clean_uai(self):
        return self.cleaned_data["uai"].strip().upper()


class LocalAxisForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = LocalAxis
        fields = ["national_objective", "parent", "code", "title", "description"]

    def get_layout(self):
        return Layout(
            Row(Column("national_objective"), Column("parent")), Row(Column("code"), Column("title")), "description"
        )

    def __init__(self, *args, cite, **kwargs):
        super().__init__(*args, **kwargs)
        self.cite = cite
        self.fields["parent"].queryset = cite.axes.filter(parent__isnull=True).exclude(pk=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("code")
        if code and self.cite.axes.filter(code=code).exclude(pk=self.instance.pk).exists():
            self.add_error("code", "Un axe de la cité porte déjà ce code.")
        parent = cleaned.get("parent")
        if parent and cleaned.get("national_objective") and parent.national_objective != cleaned["national_objective"]:
            self.add_error("parent", "Un sous-axe relève du même objectif national que son axe parent.")
        return cleaned


def contact_fieldset():
    return Fieldset(
        "Coordonnées", "address", Row(Column("postal_code"), Column("city")), Row(Column("email"), Column("phone"))
    )


class OrganisationContactForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    """What an organisation's own members edit: its contact details. Its identity (name,
    kind, SIRET, RNA, funder) and its cités are the coordination's and the national
    administration's."""

    class Meta:
        model = Organisation
        fields = ["address", "postal_code", "city", "email", "phone"]

    def get_layout(self):
        return Layout(contact_fieldset())


class OrganisationForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "siret",
            "rna",
            "is_funder",
            "address",
            "postal_code",
            "city",
            "email",
            "phone",
            "cites",
        ]
        widgets = {"cites": forms.CheckboxSelectMultiple}
        help_texts = {
            "siret": "14 chiffres, sans espace (obligatoire pour recevoir une subvention).",
            "rna": "Pour une association : W suivi de 9 chiffres.",
        }

    def get_layout(self):
        return Layout(
            Fieldset("Identité", "name", Row(Column("kind"), Column("siret"), Column("rna")), "is_funder"),
            contact_fieldset(),
            "cites",
        )

    def __init__(self, *args, cite_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cites"].queryset = cite_choices
        self.fields["cites"].label = "Cités où elle intervient"
        # A SIRET copied as printed ("732 829 320 00074") is normalised by clean_siret; the
        # 14-character limit of the model applies after that, not to what was typed.
        siret = self.fields["siret"]
        siret.max_length = None
        siret.validators = [v for v in siret.validators if not isinstance(v, MaxLengthValidator)]
        siret.widget.attrs.pop("maxlength", None)

    def clean_siret(self):
        return normalize_siret(self.cleaned_data.get("siret")) or None

    def clean_rna(self):
        return (self.cleaned_data.get("rna") or "").strip().upper()

    def clean_postal_code(self):
        value = (self.cleaned_data.get("postal_code") or "").strip()
        if value and not (value.isdigit() and len(value) == 5):
            raise forms.ValidationError("Le code postal comporte 5 chiffres.")
        return value


class ConventionForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    document = uploads.pdf_field("Document signé (PDF)")

    class Meta:
        model = Convention
        fields = ["kind", "title", "status", "signed_on", "start_date", "end_date", "document", "notes"]
        widgets = {"signed_on": DATE_WIDGET, "start_date": DATE_WIDGET, "end_date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.document:  # the current file, through the checked view
            self.fields["document"].widget.download_url = reverse("cites:convention_document", args=[self.instance.pk])

    def get_layout(self):
        return Layout(
            Row(Column("kind"), Column("status")),
            "title",
            Row(Column("signed_on"), Column("start_date"), Column("end_date")),
            "document",
            "notes",
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La date de fin doit suivre la date de début.")
        if cleaned.get("status") == Convention.Status.SIGNED and not cleaned.get("signed_on"):
            self.add_error("signed_on", "Indiquez la date de signature d'une convention signée.")
        return cleaned


class AmendmentForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    document = uploads.pdf_field("Document signé (PDF)")

    class Meta:
        model = Amendment
        fields = ["number", "subject", "signed_on", "document"]
        widgets = {"signed_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.document:
            url = reverse("cites:amendment_document", args=[self.instance.convention_id, self.instance.pk])
            self.fields["document"].widget.download_url = url

    def get_layout(self):
        return Layout(Row(Column("number"), Column("signed_on")), "subject", "document")

    def clean_number(self):
        # ``convention`` is not a form field, so ModelForm skips the (convention, number)
        # uniqueness check: without this, a duplicate number is a database error (500).
        number = self.cleaned_data["number"]
        siblings = Amendment.objects.filter(convention_id=self.instance.convention_id, number=number)
        if number is not None and siblings.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"L'avenant n° {number} existe déjà pour cette convention.")
        return number


class SignatoryForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Signatory
        fields = ["organisation", "person_title", "person_name"]

    def get_layout(self):
        return Layout("organisation", Row(Column("person_title"), Column("person_name")))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class CommitmentForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = ConventionCommitment
        fields = ["funder", "year", "amount"]

    def get_layout(self):
        return Layout(Row(Column("funder"), Column("year"), Column("amount")))

    def __init__(self, *args, funders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = funders
        self.fields["amount"].help_text = "En euros, par exemple 175000,00."
        self.fields["amount"].localize = True

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise forms.ValidationError(f"Un montant ne peut pas être négatif ({format_euros(amount)}).")
        return amount

    def clean(self):
        # Same reason as AmendmentForm.clean_number: (convention, funder, year) is unique.
        cleaned = super().clean()
        funder, year = cleaned.get("funder"), cleaned.get("year")
        same = ConventionCommitment.objects.filter(convention_id=self.instance.convention_id, funder=funder, year=year)
        if funder and year and same.exclude(pk=self.instance.pk).exists():
            self.add_error("year", f"Un engagement de {funder} existe déjà pour {year} : modifiez-le plutôt.")
        return cleaned


class InvitationForm(CrispyFormMixin, DsfrBaseForm):
    """A cité's coordination invites its team, and the first member of an organisation of
    the cité that has none yet (who becomes its référent). An organisation's other members
    are invited by its référents (:class:`OrganisationMemberInvitationForm`)."""

    submit_label = "Envoyer l'invitation"

    email = forms.EmailField(label="Adresse électronique")
    full_name = forms.CharField(label="Nom complet", max_length=200, required=False)
    role = forms.ChoiceField(
        label="Rôle",
        choices=[
            (Role.COORDINATOR, Role.COORDINATOR.label),
            (Role.PILOT, Role.PILOT.label),
            (Role.PARTNER, Role.PARTNER.label),
        ],
    )
    organisation = forms.ModelChoiceField(
        label="Organisation (pour un partenaire)",
        queryset=Organisation.objects.none(),
        required=False,
        help_text="Seulement une organisation de la cité qui n'a encore aucun membre : la personne invitée en "
        "devient référente et invite ensuite les autres membres.",
    )

    def __init__(self, *args, cite, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        scope = Scope.for_user(by)
        organisations = cite.organisations.order_by("name")
        if not scope.is_admin:
            organisations = organisations.open_to_first_member(scope.coordinator_cites)
        self.fields["organisation"].queryset = organisations

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email") and cleaned["email"] == self.by.email.lower():
            self.add_error("email", SELF_INVITATION)
        if cleaned.get("role") == Role.PARTNER and not cleaned.get("organisation"):
            self.add_error("organisation", "Choisissez l'organisation du partenaire invité.")
        if cleaned.get("role") != Role.PARTNER:
            cleaned["organisation"] = None
        return cleaned


class OrganisationMemberInvitationForm(CrispyFormMixin, DsfrBaseForm):
    """A référent invites a member of their organisation."""

    submit_label = "Envoyer l'invitation"

    email = forms.EmailField(label="Adresse électronique")
    full_name = forms.CharField(label="Nom complet", max_length=200, required=False)
    is_referent = forms.BooleanField(
        label="Référent de l'organisation",
        required=False,
        help_text="Un référent ajoute et retire les membres et décide des demandes de rattachement.",
    )

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email == self.by.email.lower():
            raise forms.ValidationError(SELF_INVITATION)
        return email
