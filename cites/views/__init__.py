"""Cité management pages: profile, perimeter, axes, organisations, conventions; members
and invitations in :mod:`.members`.

Every object comes from :func:`accounts.scope.get_visible_or_404` (404 outside the scope,
403 for a read-only role).
"""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, Max, Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import staff_only
from accounts.scope import get_visible_or_404
from cites import filters, forms, permissions
from cites.models import Amendment, Cite, Convention, ConventionCommitment, LocalAxis, Organisation, School
from core.files import private_file_response
from core.lists import filtered_page
from core.models import MONEY_FIELD
from core.permissions import ensure_allowed
from core.views import form_page, saved_form_page

PAGE_SIZE = 25


def _cite_crumbs(cite):
    return [("Cités éducatives", reverse("cites:cite_list")), (cite.name, cite.get_absolute_url())]


def _cite_form_page(request, cite, form, saved, title, **page):
    """A form on the cité itself or one of its parts: saved, then back to the cité."""
    return saved_form_page(
        request,
        form,
        saved=saved,
        back_to=cite,
        title=title,
        breadcrumbs=_cite_crumbs(cite),
        cancel_url=cite.get_absolute_url(),
        **page,
    )


# --- Cités -------------------------------------------------------------------------------
@staff_only
@require_safe
def cite_list(request):
    cites = (
        Cite.objects.visible_to(request.user)
        .annotate(
            communes_count=Count("communes", distinct=True),
            qpv_count=Count("priority_areas", distinct=True),
            schools_count=Count("schools", distinct=True),
        )
        .order_by("name", "id")
    )
    filterset = filters.CiteFilter(request.GET, queryset=cites, request=request)
    return render(
        request,
        "cites/cite_list.html",
        {**filtered_page(request, filterset, PAGE_SIZE), "page_title": "Cités éducatives", "breadcrumbs": []},
    )


@staff_only
@require_http_methods(["GET", "POST"])
def cite_create(request):
    ensure_allowed(request.scope.is_admin, "Seule l'équipe nationale crée une cité éducative.")
    return saved_form_page(
        request,
        forms.CiteForm(request.POST or None),
        saved=lambda cite: f"La cité « {cite} » a été créée.",
        title="Nouvelle cité éducative",
        breadcrumbs=[("Cités éducatives", reverse("cites:cite_list"))],
        cancel_url=reverse("cites:cite_list"),
    )


@require_safe
def cite_detail(request, pk):
    cite = get_visible_or_404(request, Cite.objects.select_related("lead_school__commune", "renewal_of"), pk=pk)
    axes = cite.axes.filter(parent__isnull=True).prefetch_related("children").order_by("national_objective", "code")
    context = {
        "cite": cite,
        "can_manage": permissions.can_manage_cite(request.user, cite),
        "communes": cite.communes.order_by("name"),
        "priority_areas": cite.priority_areas.prefetch_related("communes").order_by("name"),
        "schools": cite.schools.select_related("commune").order_by("kind", "name"),
        "axes": axes,
        "conventions": cite.conventions.order_by("-start_date"),
        "page_title": cite.name,
        "breadcrumbs": [("Cités éducatives", reverse("cites:cite_list"))],
    }
    return render(request, "cites/cite_detail.html", context)


@require_http_methods(["GET", "POST"])
def cite_update(request, pk):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    # The national record (name, code, département, status, label, renewal) is the national
    # administration's; the coordination edits the local profile.
    form_class = forms.CiteForm if request.scope.is_admin else forms.CiteProfileForm
    form = form_class(request.POST or None, instance=cite)
    return _cite_form_page(request, cite, form, "Le profil de la cité a été enregistré.", "Modifier le profil")


@require_http_methods(["GET", "POST"])
def perimeter_update(request, pk):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    form = forms.PerimeterForm(request.POST or None, instance=cite)
    return _cite_form_page(
        request,
        cite,
        form,
        "Le périmètre de la cité a été enregistré.",
        "Modifier le périmètre",
        intro="Cochez les communes, quartiers prioritaires et établissements de la cité. "
        "Une commune, un QPV ou un établissement absent de la liste s'ajoute depuis la fiche de la cité.",
    )


def _perimeter_item_view(request, cite, form_class, *, title, attach, instance=None):
    """Create (or edit) a commune, QPV or school from a cité, and add it to the perimeter."""
    kwargs = {} if form_class is forms.CommuneForm else {"cite": cite}
    if form_class is forms.CommuneForm and instance is None:
        kwargs["initial"] = {"departement": cite.departement}
    form = form_class(request.POST or None, instance=instance, **kwargs)
    if request.method == "POST" and form.is_valid():
        item = form.save()
        getattr(cite, attach).add(item)
        messages.success(request, f"« {item} » fait partie du périmètre de la cité.")
        return redirect(cite)
    return form_page(request, form, title=title, breadcrumbs=_cite_crumbs(cite), cancel_url=cite.get_absolute_url())


@require_http_methods(["GET", "POST"])
def commune_create(request, pk):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    return _perimeter_item_view(request, cite, forms.CommuneForm, title="Ajouter une commune", attach="communes")


@require_http_methods(["GET", "POST"])
def priority_area_create(request, pk):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    return _perimeter_item_view(
        request, cite, forms.PriorityAreaForm, title="Ajouter un quartier prioritaire", attach="priority_areas"
    )


@require_http_methods(["GET", "POST"])
def school_create(request, pk):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    return _perimeter_item_view(request, cite, forms.SchoolForm, title="Ajouter un établissement", attach="schools")


@require_http_methods(["GET", "POST"])
def school_update(request, pk, school_pk):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    school = get_visible_or_404(request, School, pk=school_pk, cites=cite)
    return _perimeter_item_view(
        request, cite, forms.SchoolForm, title=f"Modifier {school}", attach="schools", instance=school
    )


@require_http_methods(["GET", "POST"])
def axis_edit(request, pk, axis_pk=None):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    axis = get_visible_or_404(request, LocalAxis, pk=axis_pk, cite=cite) if axis_pk else LocalAxis(cite=cite)
    form = forms.LocalAxisForm(request.POST or None, instance=axis, cite=cite)
    title = "Modifier l'axe local" if axis_pk else "Ajouter un axe local"
    return _cite_form_page(request, cite, form, "L'axe local a été enregistré.", title)


# --- Organisations -----------------------------------------------------------------------
@require_safe
def organisation_list(request):
    organisations = (
        Organisation.objects.visible_to(request.user)
        .prefetch_related(Prefetch("cites", queryset=Cite.objects.order_by("name")))
        .order_by("name", "id")
    )
    filterset = filters.OrganisationFilter(request.GET, queryset=organisations, request=request)
    return render(
        request,
        "cites/organisation_list.html",
        {
            **filtered_page(request, filterset, PAGE_SIZE),
            "can_create": permissions.can_create_organisation(request.user),
            "page_title": "Organisations",
            "breadcrumbs": [],
        },
    )


@require_safe
def organisation_detail(request, pk):
    organisation = get_visible_or_404(request, Organisation, pk=pk)
    cites = list(organisation.cites.order_by("name"))
    return render(
        request,
        "cites/organisation_detail.html",
        {
            "organisation": organisation,
            "cites": cites,
            "can_edit": permissions.can_edit_organisation(request.user, organisation, [c.pk for c in cites]),
            "page_title": organisation.name,
            "breadcrumbs": [("Organisations", reverse("cites:organisation_list"))],
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_create(request):
    refusal = "Seule la coordination d'une cité enregistre une organisation."
    ensure_allowed(permissions.can_create_organisation(request.user), refusal)
    cite_choices = Cite.objects.managed_by(request.user).order_by("name")
    return saved_form_page(
        request,
        forms.OrganisationForm(request.POST or None, cite_choices=cite_choices),
        saved=lambda organisation: f"L'organisation « {organisation} » a été enregistrée.",
        title="Nouvelle organisation",
        breadcrumbs=[("Organisations", reverse("cites:organisation_list"))],
        cancel_url=reverse("cites:organisation_list"),
    )


@require_http_methods(["GET", "POST"])
def organisation_update(request, pk):
    organisation = get_visible_or_404(request, Organisation, pk=pk)
    current_cites = set(organisation.cites.values_list("pk", flat=True))
    ensure_allowed(
        permissions.can_edit_organisation(request.user, organisation, current_cites),
        "Votre rôle ne permet pas de modifier cette organisation.",
    )
    page = {
        "title": f"Modifier {organisation}",
        "breadcrumbs": [
            ("Organisations", reverse("cites:organisation_list")),
            (organisation.name, organisation.get_absolute_url()),
        ],
        "cancel_url": organisation.get_absolute_url(),
    }
    if not (request.scope.is_admin or request.scope.coordinator_cites & current_cites):
        # Its own members (partners) edit its contact details only.
        form = forms.OrganisationContactForm(request.POST or None, instance=organisation)
        return saved_form_page(request, form, saved="Les coordonnées de l'organisation sont enregistrées.", **page)
    managed = Cite.objects.managed_by(request.user)
    form = forms.OrganisationForm(request.POST or None, instance=organisation, cite_choices=managed.order_by("name"))
    if request.method == "POST" and form.is_valid():
        # Links to cités the user does not manage are kept as they are.
        kept = current_cites - set(managed.values_list("pk", flat=True))
        organisation = form.save(commit=False)
        organisation.save()
        organisation.cites.set(list(kept) + [c.pk for c in form.cleaned_data["cites"]])
        messages.success(request, "L'organisation a été enregistrée.")
        return redirect(organisation)
    return form_page(request, form, **page)


# --- Conventions -------------------------------------------------------------------------
@staff_only
@require_safe
def convention_list(request):
    conventions = (
        Convention.objects.visible_to(request.user)
        .select_related("cite")
        # 0 rather than NULL for a convention without commitments: NULL sorts first in a
        # descending sort on PostgreSQL and last on SQLite.
        .annotate(
            committed_total=Coalesce(
                Sum("commitments__amount"),
                Value(Decimal("0")),
                output_field=MONEY_FIELD,
            )
        )
        .order_by("cite__name", "-start_date", "id")
    )
    filterset = filters.ConventionFilter(request.GET, queryset=conventions, request=request)
    return render(
        request,
        "cites/convention_list.html",
        {**filtered_page(request, filterset, PAGE_SIZE), "page_title": "Conventions", "breadcrumbs": []},
    )


@require_safe
def convention_detail(request, pk):
    convention = get_visible_or_404(request, Convention.objects.select_related("cite"), pk=pk)
    commitments = convention.commitments.select_related("funder").order_by("year", "funder__name")
    years = {}
    for commitment in commitments:
        years.setdefault(commitment.year, []).append(commitment)
    year_totals = [(year, rows, sum(r.amount for r in rows)) for year, rows in sorted(years.items())]
    return render(
        request,
        "cites/convention_detail.html",
        {
            "convention": convention,
            "cite": convention.cite,
            "can_manage": permissions.can_manage_convention(request.user, convention),
            "signatories": convention.signatories.select_related("organisation"),
            "amendments": convention.amendments.order_by("number"),
            "year_totals": year_totals,
            "history": convention.history.select_related("history_user").order_by("-history_date")[:20],
            "page_title": convention.title,
            "breadcrumbs": [("Conventions", reverse("cites:convention_list"))],
        },
    )


@require_http_methods(["GET", "POST"])
def convention_create(request, pk):
    cite = get_visible_or_404(request, Cite, pk=pk, allowed=permissions.can_manage_cite)
    form = forms.ConventionForm(request.POST or None, request.FILES or None, instance=Convention(cite=cite))
    if request.method == "POST" and form.is_valid():
        convention = form.save()
        messages.success(request, "La convention a été enregistrée.")
        return redirect(convention)
    return form_page(
        request, form, title="Nouvelle convention", breadcrumbs=_cite_crumbs(cite), cancel_url=cite.get_absolute_url()
    )


def _convention_form_page(request, convention, form, saved, title):
    """A form on a convention's part: saved, then back to the convention."""
    return saved_form_page(
        request,
        form,
        saved=saved,
        back_to=convention,
        title=title,
        breadcrumbs=[
            ("Conventions", reverse("cites:convention_list")),
            (convention.title, convention.get_absolute_url()),
        ],
        cancel_url=convention.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
def convention_update(request, pk):
    convention = get_visible_or_404(request, Convention, pk=pk, allowed=permissions.can_manage_convention)
    form = forms.ConventionForm(request.POST or None, request.FILES or None, instance=convention)
    return _convention_form_page(
        request, convention, form, "La convention a été enregistrée.", "Modifier la convention"
    )


@require_http_methods(["GET", "POST"])
def commitment_edit(request, pk, commitment_pk=None):
    convention = get_visible_or_404(request, Convention, pk=pk, allowed=permissions.can_manage_convention)
    commitment = (
        get_visible_or_404(request, ConventionCommitment, pk=commitment_pk, convention=convention)
        if commitment_pk
        else ConventionCommitment(convention=convention)
    )
    funders = convention.cite.organisations.filter(is_funder=True).order_by("name")
    form = forms.CommitmentForm(request.POST or None, instance=commitment, funders=funders)
    saved = "L'engagement financier a été enregistré."
    return _convention_form_page(request, convention, form, saved, "Engagement financier annuel")


@require_http_methods(["GET", "POST"])
def signatory_create(request, pk):
    convention = get_visible_or_404(request, Convention, pk=pk, allowed=permissions.can_manage_convention)
    form = forms.SignatoryForm(
        request.POST or None,
        instance=convention.signatories.model(convention=convention),
        organisations=convention.cite.organisations.order_by("name"),
    )
    return _convention_form_page(request, convention, form, "Le signataire a été ajouté.", "Ajouter un signataire")


@require_http_methods(["GET", "POST"])
def amendment_create(request, pk):
    convention = get_visible_or_404(request, Convention, pk=pk, allowed=permissions.can_manage_convention)
    next_number = (convention.amendments.aggregate(highest=Max("number"))["highest"] or 0) + 1
    form = forms.AmendmentForm(
        request.POST or None,
        request.FILES or None,
        instance=convention.amendments.model(convention=convention),
        initial={"number": next_number},
    )
    return _convention_form_page(request, convention, form, "L'avenant a été enregistré.", "Ajouter un avenant")


@require_safe
def convention_document(request, pk):
    convention = get_visible_or_404(request, Convention, pk=pk)
    return private_file_response(
        convention.document, filename=f"convention-{convention.pk}.pdf", content_type="application/pdf"
    )


@require_safe
def amendment_document(request, pk, amendment_pk):
    amendment = get_visible_or_404(request, Amendment, pk=amendment_pk, convention__pk=pk)
    return private_file_response(
        amendment.document,
        filename=f"convention-{pk}-avenant-{amendment.number}.pdf",
        content_type="application/pdf",
    )
