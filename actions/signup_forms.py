"""Forms of the partner sign-up from a call for projects (see :mod:`actions.signup`)."""

from django import forms
from dsfr.forms import DsfrBaseForm

from accounts.forms import AcceptInvitationForm
from cites.models import Organisation
from cites.validators import normalize_siret, validate_siret
from core.forms import CrispyFormMixin, Fieldset


class SignupEmailForm(CrispyFormMixin, DsfrBaseForm):
    submit_label = "Recevoir le lien"

    email = forms.EmailField(
        label="Votre adresse électronique",
        help_text="Nous y envoyons un lien pour confirmer l'adresse et créer votre compte.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


SIGNUP_ORGANISATION_KINDS = [
    (kind, label)
    for kind, label in Organisation.Kind.choices
    if kind in (Organisation.Kind.ASSOCIATION, Organisation.Kind.ENTREPRISE, Organisation.Kind.AUTRE)
]


class SignupForm(AcceptInvitationForm):
    """Name, password and the organisation by SIRET (its name only when it is new)."""

    submit_label = "Créer mon compte"

    siret = forms.CharField(
        label="SIRET de votre organisation",
        max_length=20,
        help_text="14 chiffres, sur l'avis de situation au répertoire SIRENE ou l'annuaire des entreprises.",
    )
    organisation_name = forms.CharField(
        label="Nom de l'organisation",
        max_length=250,
        required=False,
        help_text="Seulement si l'organisation n'est pas encore connue du portail.",
    )
    organisation_kind = forms.ChoiceField(
        label="Type d'organisation", choices=SIGNUP_ORGANISATION_KINDS, initial=Organisation.Kind.ASSOCIATION
    )

    def get_layout(self):
        layout = super().get_layout()
        layout.append(Fieldset("Votre organisation", "siret", "organisation_name", "organisation_kind"))
        return layout

    def clean_siret(self):
        value = normalize_siret(self.cleaned_data["siret"])
        validate_siret(value)
        return value

    def clean(self):
        cleaned = super().clean()
        siret = cleaned.get("siret")
        if siret and not (cleaned.get("organisation_name") or "").strip():
            if not Organisation.objects.filter(siret=siret).exists():
                self.add_error(
                    "organisation_name", "Cette organisation n'est pas encore connue du portail : indiquez son nom."
                )
        return cleaned


# --- Reviewers ---------------------------------------------------------------------------
