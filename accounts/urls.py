from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import forms, views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("", views.my_account, name="my_account"),
    path(
        "mot-de-passe/",
        auth_views.PasswordChangeView.as_view(
            form_class=forms.PasswordChangeForm,
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/reinitialise/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("double-authentification/", views.second_factor_verify, name="second_factor"),
    path("double-authentification/activation/", views.second_factor_setup, name="second_factor_setup"),
    path(
        "double-authentification/codes-de-secours/",
        views.second_factor_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path("invitation/<str:token>/", views.accept_invitation, name="invitation_accept"),
]
