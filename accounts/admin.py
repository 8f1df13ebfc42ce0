from axes.admin import AccessAttemptAdmin as BaseAccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import second_factor
from .forms import AdminLoginForm
from .models import Invitation, Membership, User

# The admin's login goes through the same throttling as the portal's (accounts/throttling.py).
admin.site.login_form = AdminLoginForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["cite", "organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_superuser", "memberships__role"]
    inlines = [MembershipInline]
    actions = ["reset_second_factor"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["full_name", "job_title", "phone"]}),
        ("Droits", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]

    @admin.action(description="Réinitialiser la double authentification", permissions=["change"])
    def reset_second_factor(self, request, queryset):
        """Delete the devices and recovery codes: the user enrols again at their next login
        (their open sessions lose their verification at the next request)."""
        users = list(queryset)
        for user in users:
            second_factor.reset(user)
        self.message_user(
            request,
            f"Double authentification réinitialisée pour {len(users)} utilisateur{'s' if len(users) > 1 else ''} : "
            "nouvelle activation à la prochaine connexion.",
            messages.SUCCESS,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "cite", "departement", "organisation", "is_referent", "is_active"]
    list_filter = ["role", "is_referent", "is_active", "departement"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user", "cite", "organisation"]
    list_select_related = ["user", "cite", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "cite", "organisation", "is_referent", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by", "invited_by"]
    list_select_related = ["cite", "organisation"]


# django-axes registers its own admin; this one says in French what a row means and how
# to unlock: deleting a row unlocks that (account, address) pair at once.
admin.site.unregister(AccessAttempt)


class LockedFilter(admin.SimpleListFilter):
    title = "bloqué"
    parameter_name = "bloque"

    def lookups(self, request, model_admin):
        return [("oui", "Oui"), ("non", "Non")]

    def queryset(self, request, queryset):
        limit = settings.AXES_FAILURE_LIMIT
        if self.value() == "oui":
            return queryset.filter(failures_since_start__gte=limit)
        if self.value() == "non":
            return queryset.filter(failures_since_start__lt=limit)
        return queryset


@admin.register(AccessAttempt)
class AccessAttemptAdmin(BaseAccessAttemptAdmin):
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "status", "path_info"]
    list_filter = ["attempt_time", LockedFilter, "path_info"]
    fieldsets = [
        (None, {"fields": ["username", "ip_address", "failures_since_start", "attempt_time", "path_info"]}),
        ("Requêtes (mots de passe masqués)", {"fields": ["get_data", "post_data", "user_agent", "http_accept"]}),
    ]
    actions = ["unlock"]

    @admin.display(description="état")
    def status(self, obj):
        left = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        return f"{left} essai(s) restant(s)" if left > 0 else "Bloqué (compte et adresse)"

    @admin.action(description="Débloquer : supprimer les tentatives sélectionnées", permissions=["delete"])
    def unlock(self, request, queryset):
        count, _ = queryset.delete()
        self.message_user(request, f"{count} compteur(s) supprimé(s) : ces connexions sont débloquées.")
