"""The proposals list's filters and sort, shared by the list page and its exports so that
both always give the same actions in the same order (see core/lists.py for the shared
rules: scoped base queryset, querystring parameters, invalid values ignored).

The call, axis, QPV and porteur dropdowns belong to one cité: they are offered only for
the chosen cité (or the user's only cité), so that a user who reads 300 cités gets a
small page and a few cheap queries instead of every call and QPV of France. Without a
cité, those filters still apply from the URL, as hidden fields."""

import django_filters
from django import forms
from django.db.models import Q
from django.http import Http404
from django_filters.fields import ChoiceField

from cites.models import Cite, LocalAxis, Organisation, PriorityArea
from core.forms import FilterForm
from core.lists import PortailFilterSet
from core.params import int_param

from .models import Action, Call

SORTS = {
    "reference": ("reference", "id"),
    "titre": ("title", "id"),
    "porteur": ("porteur__name", "id"),
    "depot": ("-submitted_at", "id"),
    "statut": ("status", "id"),
}
SORT_LABELS = [("depot", "Date de dépôt"), ("titre", "Intitulé"), ("porteur", "Porteur"), ("statut", "Statut")]
DEFAULT_SORT = ("-year", "reference", "id")


class IdField(ChoiceField):
    """A dropdown of ids that accepts any id: one kept in the URL from another cité still
    filters (and finds nothing), as it did before the dropdown was listed."""

    def to_python(self, value):
        value = super().to_python(value)
        return int(value) if value.isdigit() else value

    def valid_value(self, value):
        return isinstance(value, int) or super().valid_value(value)


class IdFilter(django_filters.ChoiceFilter):
    field_class = IdField


class CheckFilter(django_filters.Filter):
    """A checkbox: ticked, the parameter is the widget's ``value`` (``?rapporteur=moi``)."""

    field_class = forms.BooleanField


def list_cites(request, base):
    """The cités offered by the list's « Cité » filter: every cité for the admin, else the
    cités the user reads plus those of the actions they see as porteur — one query."""
    cites = Cite.objects.order_by("name", "pk")
    if not request.scope.is_admin:
        cites = cites.filter(request.scope.cite_filter() | Q(pk__in=base.values("cite_id")))
    return list(cites.values("pk", "name"))


class ActionFilter(PortailFilterSet):
    cite = IdFilter(field_name="cite_id", label="Cité éducative", empty_label="Toutes les cités")
    statut = django_filters.ChoiceFilter(
        field_name="status", choices=Action.Status.choices, label="Statut", empty_label="Tous les statuts"
    )
    appel = IdFilter(field_name="call_id", label="Appel à projets", empty_label="Tous les appels")
    axe = IdFilter(field_name="local_axis_id", label="Axe local", empty_label="Tous les axes")
    qpv = IdFilter(label="Quartier prioritaire", empty_label="Tous les QPV", method="in_priority_area")
    porteur = IdFilter(field_name="porteur_id", label="Porteur", empty_label="Tous les porteurs")
    tri = django_filters.ChoiceFilter(
        label="Trier par", choices=SORT_LABELS, empty_label="Année et référence", method="sort"
    )
    rapporteur = CheckFilter(
        label="Seulement celles dont je suis rapporteur",
        widget=forms.CheckboxInput(attrs={"value": "moi"}),
        method="reviewed_by_me",
    )

    class Meta:
        model = Action
        fields = []
        form = FilterForm

    def __init__(self, *args, request, **kwargs):
        base = Action.objects.visible_to(request.user)
        super().__init__(*args, queryset=base.order_by(*DEFAULT_SORT), request=request, **kwargs)
        self.cites = list_cites(request, base)
        params = self.data
        cite_pk = int_param(params, "cite")
        if params.get("cite") and cite_pk not in {cite["pk"] for cite in self.cites}:
            raise Http404("Cité introuvable.")
        self.filter_cite = cite_pk or (self.cites[0]["pk"] if len(self.cites) == 1 else None)
        self.choices = {}
        if len(self.cites) > 1:
            self.filters["cite"].extra["choices"] = [(cite["pk"], cite["name"]) for cite in self.cites]
            if not self.filter_cite:
                self.filters["cite"].extra["help_text"] = (
                    "Choisissez une cité pour filtrer par appel à projets, axe local, quartier prioritaire ou porteur."
                )
        elif params.get("cite"):
            self.filters["cite"].extra["widget"] = forms.HiddenInput
        else:
            del self.filters["cite"]  # one cité: nothing to choose
        if request.scope.is_partner_only:
            del self.filters["porteur"], self.filters["rapporteur"]
        if self.filter_cite:
            in_cite = base.filter(cite_id=self.filter_cite)
            self.choices = {
                "calls": Call.objects.filter(pk__in=in_cite.values("call_id")).select_related("cite"),
                "axes": LocalAxis.objects.filter(pk__in=in_cite.values("local_axis_id")),
                "priority_areas": PriorityArea.objects.filter(pk__in=in_cite.values("priority_areas")),
                "porteurs": Organisation.objects.filter(pk__in=in_cite.values("porteur_id")),
            }
            labels = {
                "appel": ("calls", lambda call: call.title),
                "axe": ("axes", lambda axis: f"{axis.code} – {axis.title}"),
                "qpv": ("priority_areas", lambda area: area.name),
                "porteur": ("porteurs", lambda organisation: organisation.name),
            }
            for name, (key, label) in labels.items():
                if name in self.filters:
                    self.filters[name].extra["choices"] = lambda key=key, label=label: [
                        (item.pk, label(item)) for item in self.choices[key]
                    ]
        else:
            for name in ("appel", "axe", "qpv", "porteur"):
                if name in self.filters and params.get(name):
                    self.filters[name].extra["widget"] = forms.HiddenInput
                elif name in self.filters:
                    del self.filters[name]

    def in_priority_area(self, queryset, name, value):
        return queryset.filter(priority_areas=value).distinct()

    def sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, DEFAULT_SORT))

    def reviewed_by_me(self, queryset, name, value):
        return queryset.filter(reviewers=self.request.user) if value else queryset


def filter_actions(request):
    """The list's FilterSet on the actions the user sees (``.qs``: filtered and sorted;
    404 for a cité outside the user's list)."""
    return ActionFilter(request.GET, request=request)


def export_querystring(request):
    """The list's querystring without the page number (an export has every page)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
