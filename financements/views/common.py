"""Helpers shared by the money pages: the year in the URL, breadcrumbs, a service's
refusal shown on its form."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from core.params import is_portal_year
from financements.services import FundingError


def _year(year):
    if not is_portal_year(year):
        raise Http404("Année hors du champ du portail.")
    return year


def _crumbs(cite=None, year=None):
    crumbs = [("Financements", reverse("financements:index"))]
    if cite is not None:
        crumbs.append((f"{cite.name} – {year}", reverse("financements:overview", args=[cite.pk, year])))
    return crumbs


def _refusal(form, error):
    """Show a service refusal on the form (typed values stay in the bound form)."""
    form.add_error(None, error.message)
    for problem in error.problems:
        form.add_error(None, problem)


def _posted(request, form, write, success, target):
    """On a valid POST, ``write(cleaned_data)`` (a service call): a redirect to ``target``
    with ``success()`` as message, or None (the form shows the refusal) to draw the page.
    A role the service does not allow goes up as its NotAllowed (403)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        written = write(form.cleaned_data)
    except FundingError as error:
        _refusal(form, error)
        return None
    messages.success(request, success(written))
    return redirect(target(written) if callable(target) else target)
