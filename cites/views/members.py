"""Members and invitations: a cité's team (invited by its coordination) and an
organisation's members (added and removed by its référents).

Granting access is a decision of someone who already holds it: a cité's coordinator
invites only the first member of an organisation of the cité that has none yet, who
becomes its référent; then the organisation's référents (or the national administration)
invite, remove and designate its members and decide the requests to join it.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.models import Invitation, Membership, Role
from accounts.scope import get_visible_or_404
from cites import forms, permissions
from cites.models import Cite, Organisation
from core.permissions import ensure_allowed


def _cite_crumbs(cite):
    return [("Cités éducatives", reverse("cites:cite_list")), (cite.name, cite.get_absolute_url())]


@require_http_methods(["GET", "POST"])
def members(request, pk):
    cite = get_visible_or_404(request, Cite, pk=pk)
    can_manage = permissions.can_manage_cite(request.user, cite)
    form = forms.InvitationForm(request.POST or None, cite=cite, by=request.user)
    if request.method == "POST":
        ensure_allowed(can_manage, "Seule la coordination de la cité invite de nouveaux membres.")
        if form.is_valid():
            data = form.cleaned_data
            invitation = services.invite(
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                cite=None if data["organisation"] else cite,
                organisation=data["organisation"],
                by=request.user,
            )
            messages.success(request, f"Une invitation a été envoyée à {invitation.email}.")
            return redirect("cites:members", pk=cite.pk)
    partner_org_ids = cite.organisations.values("id")
    memberships = (
        Membership.objects.active().filter(cite=cite).select_related("user").order_by("role", "user__full_name")
    )
    partner_memberships = (
        Membership.objects.active()
        .filter(organisation__in=partner_org_ids)
        .select_related("user", "organisation")
        .order_by("organisation__name", "-is_referent", "user__full_name")
    )
    invitations = (
        (Invitation.objects.filter(cite=cite) | Invitation.objects.filter(organisation__in=partner_org_ids))
        .select_related("organisation", "invited_by")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "cites/members.html",
        {
            "cite": cite,
            "can_manage": can_manage,
            "form": form,
            "memberships": memberships,
            "partner_memberships": partner_memberships,
            "invitations": invitations,
            "page_title": "Membres et invitations",
            "breadcrumbs": _cite_crumbs(cite),
        },
    )


def _organisation_crumbs(organisation):
    return [
        ("Organisations", reverse("cites:organisation_list")),
        (organisation.name, organisation.get_absolute_url()),
    ]


@require_http_methods(["GET", "POST"])
def organisation_members(request, pk):
    """Everyone who sees the organisation reads its members; its référents manage them."""
    organisation = get_visible_or_404(request, Organisation, pk=pk)
    can_manage = permissions.can_manage_members(request.user, organisation)
    form = forms.OrganisationMemberInvitationForm(request.POST or None, by=request.user)
    if request.method == "POST":
        ensure_allowed(can_manage, permissions.can_manage_members.refusal)
        if form.is_valid():
            invitation = services.invite(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=Role.PARTNER,
                organisation=organisation,
                is_referent=form.cleaned_data["is_referent"],
                by=request.user,
            )
            messages.success(request, f"Une invitation a été envoyée à {invitation.email}.")
            return redirect("cites:organisation_members", pk=organisation.pk)
    memberships = (
        Membership.objects.active()
        .filter(role=Role.PARTNER, organisation=organisation)
        .select_related("user")
        .order_by("-is_referent", "user__full_name", "pk")
    )
    invitations = (
        Invitation.objects.filter(organisation=organisation).select_related("invited_by").order_by("-created_at")[:50]
    )
    return render(
        request,
        "cites/organisation_members.html",
        {
            "organisation": organisation,
            "can_manage": can_manage,
            "form": form,
            "memberships": memberships,
            "invitations": invitations,
            "page_title": f"Membres – {organisation.name}",
            "breadcrumbs": _organisation_crumbs(organisation),
        },
    )


def _after_change(request, membership):
    if membership.user_id == request.user.pk and not membership.is_active:
        return redirect("home")  # they left the organisation: its page may be out of reach now
    return redirect("cites:organisation_members", pk=membership.organisation_id)


@require_POST
def member_remove(request, pk, membership_pk):
    organisation = get_visible_or_404(request, Organisation, pk=pk)
    membership = get_visible_or_404(
        request,
        Membership.objects.active().filter(role=Role.PARTNER, organisation=organisation).select_related("user"),
        pk=membership_pk,
        allowed=permissions.can_manage_members,
    )
    try:
        membership = services.remove_member(membership, by=request.user)
    except services.MembershipError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{membership.user} n'est plus membre de l'organisation.")
    return _after_change(request, membership)


@require_POST
def member_set_referent(request, pk, membership_pk, choice):
    ensure_allowed(choice in ("oui", "non"), "Choix inconnu.")
    organisation = get_visible_or_404(request, Organisation, pk=pk)
    membership = get_visible_or_404(
        request,
        Membership.objects.active().filter(role=Role.PARTNER, organisation=organisation).select_related("user"),
        pk=membership_pk,
        allowed=permissions.can_manage_members,
    )
    try:
        membership = services.set_referent(membership, by=request.user, is_referent=choice == "oui")
    except services.MembershipError as error:
        messages.error(request, error.message)
    else:
        state = "est désormais" if membership.is_referent else "n'est plus"
        messages.success(request, f"{membership.user} {state} référent de l'organisation.")
    return _after_change(request, membership)
