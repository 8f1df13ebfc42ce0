import logging
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone
from dsfr.forms import DsfrBaseForm
from kombu.exceptions import OperationalError as BrokerError

from core.forms import Column, CrispyFormMixin, Fieldset, Layout, Row

from .models import LoginFailure, User
from .tasks import send_password_reset_email

logger = logging.getLogger(__name__)


class LoginForm(CrispyFormMixin, auth_forms.AuthenticationForm, DsfrBaseForm):
    """E-mail + password, with throttling of repeated failures per address."""

    submit_label = "Se connecter"

    # No autofocus: keyboard users must meet the skip links first (RGAA 12.7).
    username = forms.EmailField(label="Adresse électronique", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
        "throttled": "Trop de tentatives de connexion échouées : réessayez dans quelques minutes.",
    }

    def clean_username(self):
        # Addresses are stored in lower case; phones often capitalise the first letter.
        return self.cleaned_data["username"].lower()

    def clean(self):
        email = (self.cleaned_data.get("username") or "").lower()
        since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
        if email and LoginFailure.objects.filter(email=email, created_at__gte=since).count() >= (
            settings.LOGIN_MAX_FAILURES
        ):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            if email:
                LoginFailure.objects.create(email=email)
            raise


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
    pass


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
