"""The base of every filtered, sorted, paginated list of the portal.

Filters and sort live in the querystring (``?departement=30&tri=-nom&page=2``): the
pagination and the column headers keep the other parameters. An invalid value makes its
field invalid: django-filter ignores it and the form shows the French error. Each app's
FilterSet starts from the view's ``visible_to(user)`` queryset and never widens it.
"""

import django_filters
from django import forms
from django.core.paginator import Paginator
from django_filters.constants import EMPTY_VALUES

from .params import MAX_YEAR

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
        kwargs.setdefault("min_value", 2000)  # conventions may predate the first label (2019)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


class PortailFilterSet(django_filters.FilterSet):
    """Needs ``request`` (the scope of the choices)."""

    def __init__(self, data=None, queryset=None, *, request, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)


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
