from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from . import forms, proconnect, second_factor, services


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(proconnect_enabled=proconnect.is_configured(), **kwargs)


class LogoutView(auth_views.LogoutView):
    """Logs out here, then, for a session opened through ProConnect, at ProConnect too
    (its end_session endpoint, which sends the browser back to our login page)."""

    def post(self, request, *args, **kwargs):
        from_proconnect = proconnect.is_proconnect_session(request)
        provider_url = import_string(settings.OIDC_OP_LOGOUT_URL_METHOD)(request)  # before the flush
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_url) if from_proconnect else response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset_body.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def my_account(request):
    form = forms.ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Vos informations ont été enregistrées.")
        return redirect("accounts:my_account")
    memberships = request.user.memberships.select_related("cite", "organisation").filter(is_active=True)
    context = {
        "form": form,
        "memberships": memberships,
        "second_factor_enrolled": second_factor.is_enrolled(request.user),
        "second_factor_mandatory": second_factor.is_staff(request.user, request.scope),
        "recovery_codes_left": second_factor.remaining_recovery_codes(request.user),
    }
    return render(request, "accounts/my_account.html", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    if invitation is None or not invitation.is_usable:
        status = 410 if invitation is not None else 404
        reason = (
            "Ce lien d'invitation n'est pas valide."
            if invitation is None
            else "Ce lien d'invitation a déjà été utilisé ou a expiré. Demandez une nouvelle invitation."
        )
        return render(request, "accounts/invitation_invalid.html", {"reason": reason}, status=status)
    if services.invitee_has_account(invitation):
        # An existing account never gets a password from an invitation link: its owner
        # logs in, then accepts.
        if request.user.is_authenticated and request.user.email.lower() == invitation.email.lower():
            if request.method == "POST":
                try:
                    services.accept_invitation(invitation, full_name=request.user.full_name, password=None)
                except services.InvitationError as error:
                    return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410)
                messages.success(request, "Le nouveau rôle a été ajouté à votre compte.")
                return redirect("home")
            return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "existing": True})
        return render(request, "accounts/invitation_login_first.html", {"invitation": invitation})
    form = forms.AcceptInvitationForm(
        request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                invitation, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except services.InvitationError as error:
            return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Bienvenue ! Votre compte est prêt.")
        return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


# --- Second factor ------------------------------------------------------------------------
WRONG_CODE = (
    "Ce code n'est pas valide. Saisissez le code affiché maintenant par votre application, ou un code de secours."
)
WRONG_ENROLMENT_CODE = (
    "Ce code ne correspond pas. Vérifiez que l'heure de votre téléphone est juste, "
    "puis saisissez le code affiché maintenant."
)
WRONG_FRESH_CODE = "Ce code n'est pas valide. Saisissez le code à 6 chiffres affiché maintenant par votre application."
THROTTLED = "Trop de codes erronés : patientez quelques secondes avant de réessayer."


def _next_url(request):
    """Where to go once the second factor is given: ``next`` when it stays on this site."""
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name, request):
    target = request.GET.get("next")
    return reverse(url_name) + ("?" + urlencode({"next": target}) if target else "")


def _refuse(form, message):
    """Add the error and forget the typed code: the page never shows it back."""
    form.add_error("code", message)
    form.data = form.data.copy()
    form.data["code"] = ""


def _verified_login(request, device):
    request.session.cycle_key()  # a new session id once the second factor is given
    django_otp.login(request, device)


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    if second_factor.is_verified(request):
        return redirect(_next_url(request))
    if not second_factor.is_enrolled(request.user):
        if second_factor.is_required(request):
            return redirect(_with_next("accounts:second_factor_setup", request))
        return redirect(_next_url(request))
    form = forms.SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = second_factor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified_login(request, device)
            if isinstance(device, StaticDevice):
                left = second_factor.remaining_recovery_codes(request.user)
                messages.warning(
                    request,
                    f"Vous avez utilisé un code de secours, qui ne fonctionnera plus. Il vous en reste {left} : "
                    "vous pouvez en générer de nouveaux depuis « Mon compte ».",
                )
            return redirect(_next_url(request))
        _refuse(form, THROTTLED if throttled else WRONG_CODE)
    return render(request, "accounts/second_factor_verify.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    if second_factor.is_enrolled(request.user):
        # Replacing a device takes an admin reset: a password alone never enrols a new one.
        if second_factor.is_verified(request):
            messages.info(request, "La double authentification est déjà activée sur votre compte.")
            return redirect("accounts:my_account")
        return redirect(_with_next("accounts:second_factor", request))
    key = second_factor.pending_key(request.session)
    form = forms.EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, codes = second_factor.confirm_enrolment(
            request.user, key, second_factor.normalise_code(form.cleaned_data["code"])
        )
        if device is not None:
            request.session.pop(second_factor.PENDING_KEY_SESSION_KEY, None)
            _verified_login(request, device)
            context = {"codes": codes, "next_url": _next_url(request), "enrolled": True}
            return render(request, "accounts/second_factor_recovery_codes.html", context)
        _refuse(form, WRONG_ENROLMENT_CODE)
    context = {
        "form": form,
        "qr_code": second_factor.qr_code_svg(request.user, key),
        "secret": second_factor.secret_for_display(key),
        "mandatory": second_factor.is_required(request),
    }
    return render(request, "accounts/second_factor_setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_recovery_codes(request):
    """New recovery codes (the old ones stop working), after a fresh code of the application."""
    if not second_factor.is_enrolled(request.user):
        return redirect("accounts:second_factor_setup")
    form = forms.FreshCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = second_factor.verify(request.user, form.cleaned_data["code"], allow_recovery=False)
        if device is not None:
            codes = second_factor.regenerate_recovery_codes(request.user)
            context = {"codes": codes, "next_url": reverse("accounts:my_account"), "enrolled": False}
            return render(request, "accounts/second_factor_recovery_codes.html", context)
        _refuse(form, THROTTLED if throttled else WRONG_FRESH_CODE)
    return render(request, "accounts/second_factor_regenerate.html", {"form": form})
