from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from django.views.decorators.http import require_http_methods

from . import forms, proconnect, services


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
    return render(request, "accounts/my_account.html", {"form": form, "memberships": memberships})


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
