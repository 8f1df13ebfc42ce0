from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import second_factor
from .models import Invitation, LoginFailure, Membership, User


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
    list_display = ["user", "role", "cite", "departement", "organisation", "is_active"]
    list_filter = ["role", "is_active", "departement"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user", "cite", "organisation"]
    list_select_related = ["user", "cite", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "cite", "organisation", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by", "invited_by"]
    list_select_related = ["cite", "organisation"]


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at"]
    search_fields = ["email"]
