"""Filters and sort of a cité's meetings and reports (see core/lists.py for the shared
rules: scoped base queryset, querystring parameters, invalid values ignored)."""

import django_filters
from django.utils import timezone

from core.forms import FilterForm
from core.lists import PortailFilterSet, SortFilter, YearFilter

from .models import Meeting, Report


class MeetingFilter(PortailFilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Intitulé")
    instance = django_filters.ChoiceFilter(
        field_name="kind", choices=Meeting.Kind.choices, label="Instance", empty_label="Toutes les instances"
    )
    periode = django_filters.ChoiceFilter(
        label="Période",
        choices=[("a_venir", "À venir"), ("passees", "Passées")],
        empty_label="Toutes les réunions",
        method="by_period",
    )
    annee = YearFilter(field_name="starts_at", lookup_expr="year", label="Année")
    tri = SortFilter(
        fields=(
            ("starts_at", "date"),
            ("title", "titre"),
            ("kind", "instance"),
            ("place", "lieu"),
            ("items_count", "ordre_du_jour"),
            ("attendees_count", "participants"),
        ),
        field_labels={
            "starts_at": "Date",
            "title": "Réunion",
            "kind": "Instance",
            "place": "Lieu",
            "items_count": "Ordre du jour",
            "attendees_count": "Participants",
        },
    )

    class Meta:
        model = Meeting
        fields = []
        form = FilterForm

    def by_period(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(starts_at__gte=now) if value == "a_venir" else queryset.filter(starts_at__lt=now)


class ReportFilter(PortailFilterSet):
    type = django_filters.ChoiceFilter(field_name="kind", label="Type de rapport", empty_label="Tous les types")
    etat = django_filters.ChoiceFilter(
        field_name="status", choices=Report.Status.choices, label="État", empty_label="Tous les états"
    )
    annee = django_filters.ChoiceFilter(field_name="year", label="Année", empty_label="Toutes les années")
    tri = SortFilter(
        fields=(
            ("kind", "type"),
            ("year", "annee"),
            ("version", "version"),
            ("created_at", "demande"),
            ("status", "etat"),
        ),
        field_labels={
            "kind": "Rapport",
            "year": "Année",
            "version": "Version",
            "created_at": "Demandé le",
            "status": "État",
        },
    )

    class Meta:
        model = Report
        fields = []
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds and years the user's reports have (a préfecture only reads the
        # evaluation reports): one query on the scoped queryset.
        pairs = set(self.queryset.order_by().values_list("kind", "year").distinct())
        kinds = {kind for kind, _ in pairs}
        self.filters["type"].extra["choices"] = [(k, label) for k, label in Report.Kind.choices if k in kinds]
        self.filters["annee"].extra["choices"] = [(y, str(y)) for y in sorted({y for _, y in pairs}, reverse=True)]
