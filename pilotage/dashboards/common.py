"""Helpers shared by the dashboards: the year asked in the querystring, the years of the
switcher, a chart's data, the figures of a set of cités."""

import datetime

from django.utils import timezone

from actions.models import Action
from core.params import MIN_YEAR, int_param, is_portal_year
from financements.models import Envelope, FundingLine
from pilotage import stats
from pilotage.models import Meeting, Report

S = Action.Status
CLOSING_SOON = datetime.timedelta(days=14)


def _year(request):
    year = int_param(request.GET, "annee")
    if is_portal_year(year):
        return year
    return timezone.localdate().year


def _years_around(year, first=None):
    """The years offered by the switcher: the label's years, the current one, the chosen one."""
    current = timezone.localdate().year
    start = min(first or current - 4, year, current - 4)
    return list(range(max(start, MIN_YEAR), max(current, year) + 2))


def _chart(chart_id, kind, labels, datasets, *, unit="", stacked=False):
    """What ``static/js/charts.js`` draws: floats for the canvas (the table next to it
    shows the exact amounts)."""
    return {
        "id": chart_id,
        "type": kind,
        "unit": unit,
        "stacked": stacked,
        "labels": labels,
        "datasets": [{"label": label, "data": [stats.as_float(value) for value in data]} for label, data in datasets],
    }


def _figures(user, cites, year):
    return stats.figures_by_cite(
        cites,
        year,
        actions=Action.objects.visible_to(user),
        envelopes=Envelope.objects.visible_to(user),
        lines=FundingLine.objects.visible_to(user),
        meetings=Meeting.objects.visible_to(user),
        reports=Report.objects.visible_to(user),
    )
