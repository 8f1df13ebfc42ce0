import logging

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.db import transaction
from dsfr.forms import DsfrBaseForm
from kombu.exceptions import OperationalError as BrokerError

from core.forms import Column, CrispyFormMixin, Fieldset, Layout, Row

from . import throttling
from .models import User
from .tasks import send_password_reset_email

logger = logging.getLogger(__name__)


class ThrottledLoginMixin:
    """A login form whose attempts go through the throttling of :mod:`accounts.throttling`:
    one attempt at a time per account, and the refusal said in French among the form's
    errors (the middleware then answers 429 with this page)."""

    def clean(self):
        request = self.request
        username = throttling.username_of(request, {"username": self.data.get("username")})

        def attempt():
            if request is not None:
                request.axes_locked_out = False  # a run rolled back (SQLite) may have set it
            try:
                return super(ThrottledLoginMixin, self).clean()
            except forms.ValidationError as error:
                return error

        outcome = throttling.attempt_serialised_per_account(username, attempt)
        if not isinstance(outcome, forms.ValidationError):
            return outcome
        if getattr(request, "axes_locked_out", False):
            request.login_refusal_shown = True
            raise forms.ValidationError(throttling.refusal_message(request), code="throttled")
        raise outcome


class LoginForm(ThrottledLoginMixin, CrispyFormMixin, auth_forms.AuthenticationForm, DsfrBaseForm):
    """E-mail + password; repeated failures are throttled (accounts/throttling.py)."""

    submit_label = "Se connecter"

    # No autofocus: keyboard users must meet the skip links first (RGAA 12.7).
    username = forms.EmailField(
        label="Adresse électronique", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }

    def clean_username(self):
        # Addresses are stored in lower case; phones often capitalise the first letter.
        return self.cleaned_data["username"].lower()


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin site's login, under the same throttling as the portal's."""


class ProfileForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = User
        fields = ["full_name", "job_title", "phone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel"}),
        }

    def get_layout(self):
        return Layout("full_name", Row(Column("job_title"), Column("phone")))


class PasswordChangeForm(CrispyFormMixin, auth_forms.PasswordChangeForm, DsfrBaseForm):
    def get_layout(self):
        return Layout("old_password", Fieldset("Nouveau mot de passe", "new_password1", "new_password2"))


class PasswordResetForm(CrispyFormMixin, auth_forms.PasswordResetForm, DsfrBaseForm):
    submit_label = "Recevoir le lien"
    email = forms.EmailField(label="Adresse électronique", max_length=254)

    def save(self, **options):
        """Queue the e-mail once the request commits, for any address: the lookup and the
        sending happen in the worker (:func:`accounts.tasks.send_password_reset_email`)."""
        email = self.cleaned_data["email"]
        transaction.on_commit(lambda: _queue_password_reset(email))


def _queue_password_reset(email):
    try:
        send_password_reset_email.delay(email)
    except BrokerError as error:
        # Rather than lose the link, look the account up here: only while the broker is
        # down does the answer take longer for a known address.
        logger.warning("Broker injoignable (%s) : réinitialisation traitée dans la requête.", error)
        send_password_reset_email(email)


class SetPasswordForm(CrispyFormMixin, auth_forms.SetPasswordForm, DsfrBaseForm):
    def save(self, commit=True):
        user = super().save(commit)
        # Whoever followed the e-mailed link owns the account: past failures, theirs
        # included, no longer lock it out.
        throttling.forget_failures(user.email)
        return user


class AcceptInvitationForm(CrispyFormMixin, DsfrBaseForm):
    full_name = forms.CharField(
        label="Nom complet", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 12 caractères, pas uniquement des chiffres, pas trop courant.",
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def get_layout(self):
        return Layout(Fieldset("Votre identité", "full_name"), Fieldset("Votre mot de passe", "password1", "password2"))

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def one_time_code_field(label, help_text):
    """A code typed from a phone: digits keyboard, the browser's one-time-code autofill."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false", "size": 12}
        ),
    )


class SecondFactorCodeForm(CrispyFormMixin, DsfrBaseForm):
    """The code of the authenticator application, or a recovery code (checked by the view)."""

    submit_label = "Valider"
    code = one_time_code_field(
        "Code de vérification",
        "Les 6 chiffres affichés par votre application d'authentification, ou l'un de vos codes de secours.",
    )


class EnrolmentCodeForm(CrispyFormMixin, DsfrBaseForm):
    """The first code of the application, which proves it holds the secret."""

    submit_label = "Activer la double authentification"
    code = one_time_code_field("Code à 6 chiffres", "Le code affiché par votre application après l'ajout du compte.")


class FreshCodeForm(CrispyFormMixin, DsfrBaseForm):
    """A code of the application (not a recovery code) before a sensitive change."""

    submit_label = "Générer de nouveaux codes"
    code = one_time_code_field(
        "Code de vérification", "Les 6 chiffres affichés maintenant par votre application d'authentification."
    )
