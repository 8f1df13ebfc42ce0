"""Presentation filters available in every template (a builtin library, see
``TEMPLATES`` in the settings): ``|euros``, ``|date_fr``, ``|datetime_fr``."""

from django import template

from core.formatting import format_date_fr, format_euros

register = template.Library()


@register.filter
def euros(value):
    return format_euros(value)


@register.filter
def date_fr(value):
    return format_date_fr(value)


@register.filter
def datetime_fr(value):
    return format_date_fr(value, with_time=True)
