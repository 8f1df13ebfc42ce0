"""Filters and sort of the cité lists (cités, organisations, conventions), on the shared
base of :mod:`core.lists`.

Each FilterSet starts from the view's ``visible_to(user)`` queryset and never widens it;
the choices its fields offer come from the same scope. An invalid value (``?cite=abc``, a
cité out of scope) makes its field invalid: django-filter ignores it and the form shows
the French error.
"""

import django_filters
from django.db.models import Q

from accounts.departements import departement_name
from core.forms import FilterForm
from core.lists import PortailFilterSet, SortFilter, YearFilter

from .models import Cite, Convention, Organisation


def _visible_cites(request):
    """Choices of a « cité » filter: only the cités the user reads."""
    return Cite.objects.visible_to(request.user).order_by("name")


# --- Cités -------------------------------------------------------------------------------
class CiteFilter(PortailFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Nom de la cité")
    departement = django_filters.ChoiceFilter(label="Département", empty_label="Tous les départements")
    vague = django_filters.ChoiceFilter(
        field_name="label_year", label="Vague de labellisation", empty_label="Toutes les vagues"
    )
    statut = django_filters.ChoiceFilter(
        field_name="status", choices=Cite.Status.choices, label="Statut", empty_label="Tous les statuts"
    )
    tri = SortFilter(
        fields=(
            ("name", "nom"),
            ("departement", "departement"),
            ("label_year", "vague"),
            ("communes_count", "communes"),
            ("qpv_count", "qpv"),
            ("schools_count", "etablissements"),
            ("status", "statut"),
        ),
        field_labels={
            "name": "Cité",
            "departement": "Département",
            "label_year": "Vague de labellisation",
            "communes_count": "Communes",
            "qpv_count": "QPV",
            "schools_count": "Établissements",
            "status": "Statut",
        },
    )

    class Meta:
        model = Cite
        fields = []
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One query for both choice lists, from the user's cités only.
        pairs = set(
            Cite.objects.visible_to(self.request.user).order_by().values_list("departement", "label_year").distinct()
        )
        departements = sorted({code for code, _ in pairs})
        years = sorted({year for _, year in pairs}, reverse=True)
        self.filters["departement"].extra["choices"] = [
            (code, f"{code} – {departement_name(code)}") for code in departements
        ]
        self.filters["vague"].extra["choices"] = [(year, str(year)) for year in years]


# --- Organisations -----------------------------------------------------------------------
class OrganisationFilter(PortailFilterSet):
    q = django_filters.CharFilter(label="Nom ou SIRET", method="search")
    type = django_filters.ChoiceFilter(
        field_name="kind", choices=Organisation.Kind.choices, label="Type", empty_label="Tous les types"
    )
    financeurs = django_filters.ChoiceFilter(
        label="Financeur",
        choices=[("1", "Financeurs uniquement"), ("0", "Hors financeurs")],
        empty_label="Toutes les organisations",
        method="funders",
    )
    cite = django_filters.ModelChoiceFilter(
        field_name="cites", queryset=_visible_cites, label="Cité", empty_label="Toutes les cités"
    )
    tri = SortFilter(
        fields=(("name", "nom"), ("kind", "type"), ("siret", "siret"), ("city", "ville"), ("is_funder", "financeur")),
        field_labels={"name": "Nom", "kind": "Type", "siret": "SIRET", "city": "Ville", "is_funder": "Financeur"},
    )

    class Meta:
        model = Organisation
        fields = []
        form = FilterForm

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(siret=value.replace(" ", "")))

    def funders(self, queryset, name, value):
        return queryset.filter(is_funder=value == "1")


# --- Conventions -------------------------------------------------------------------------
class ConventionFilter(PortailFilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Intitulé")
    cite = django_filters.ModelChoiceFilter(queryset=_visible_cites, label="Cité", empty_label="Toutes les cités")
    type = django_filters.ChoiceFilter(
        field_name="kind", choices=Convention.Kind.choices, label="Type", empty_label="Tous les types"
    )
    statut = django_filters.ChoiceFilter(
        field_name="status", choices=Convention.Status.choices, label="Statut", empty_label="Tous les statuts"
    )
    annee = YearFilter(label="En vigueur en (année)", method="in_force")
    tri = SortFilter(
        fields=(
            ("title", "intitule"),
            ("cite__name", "cite"),
            ("kind", "type"),
            ("status", "statut"),
            ("signed_on", "signature"),
            ("start_date", "periode"),
            ("committed_total", "engagements"),
        ),
        field_labels={
            "title": "Convention",
            "cite__name": "Cité",
            "kind": "Type",
            "status": "Statut",
            "signed_on": "Date de signature",
            "start_date": "Période",
            "committed_total": "Engagements (total)",
        },
    )

    class Meta:
        model = Convention
        fields = []
        form = FilterForm

    def in_force(self, queryset, name, value):
        return queryset.filter(start_date__year__lte=value, end_date__year__gte=value)
