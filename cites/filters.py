"""Filters and sort of the cité lists (cités, organisations, conventions), plus the
helpers every list of the portal shares.

Each FilterSet starts from the view's ``visible_to(user)`` queryset and never widens it;
the choices its fields offer come from the same scope. Filters and sort live in the
querystring (``?departement=30&tri=-nom&page=2``): the pagination and the column headers
keep the other parameters. An invalid value (``?cite=abc``, a cité out of scope) makes
its field invalid: django-filter ignores it and the form shows the French error.
"""

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django_filters.constants import EMPTY_VALUES
from dsfr.forms import DsfrBaseForm

from accounts.departements import departement_name

from .models import Cite, Convention, Organisation

SORT_PARAM = "tri"


class SortFilter(django_filters.OrderingFilter):
    """``OrderingFilter`` with French labels and a final ``id`` so that pages never overlap
    when the sorted column has ties."""

    descending_fmt = "%s (ordre décroissant)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "Trier par")
        kwargs.setdefault("empty_label", "Ordre par défaut")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.order_by(*(self.get_ordering_value(param) for param in value), "id")


class YearFilter(django_filters.NumberFilter):
    """A year (an integer: « 2020.5 » is refused with « Saisissez un nombre entier »)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 2000)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


def current_sort(filterset):
    """The valid ``tri`` value of the request ("" when absent or invalid), for the headers."""
    filterset.form.is_valid()  # runs the validation once; invalid fields stay out of cleaned_data
    values = filterset.form.cleaned_data.get(SORT_PARAM) or []
    return values[0] if values else ""


def filtered_page(request, filterset, per_page):
    """The context a filtered, sorted, paginated list needs: ``page_obj``, ``filterset``
    (its ``form`` goes to components/filter_form.html) and ``sort``
    (for components/sortable_th.html)."""
    return {
        "filterset": filterset,
        "page_obj": Paginator(filterset.qs, per_page).get_page(request.GET.get("page")),
        "sort": current_sort(filterset),
    }


def _visible_cites(request):
    """Choices of a « cité » filter: only the cités the user reads."""
    return Cite.objects.visible_to(request.user).order_by("name")


class PortailFilterSet(django_filters.FilterSet):
    """Needs ``request`` (the scope of the choices)."""

    def __init__(self, data=None, queryset=None, *, request, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)


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
        form = DsfrBaseForm

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
        form = DsfrBaseForm

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
        form = DsfrBaseForm

    def in_force(self, queryset, name, value):
        return queryset.filter(start_date__year__lte=value, end_date__year__gte=value)
