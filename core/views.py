"""Page helpers shared by every app's views."""

from django.contrib import messages
from django.shortcuts import redirect, render

FORM_PAGE_TEMPLATE = "core/form_page.html"


def form_page(request, form, *, title, breadcrumbs, cancel_url=None, intro="", submit_label=None, **extra):
    """A page holding one form: title, optional lead paragraph, the form drawn by its crispy
    layout (``templates/core/form_page.html``) with its submit button (the form's own label
    unless ``submit_label`` is given) and an « Annuler » link to ``cancel_url``."""
    form.helper.cancel_url = cancel_url
    if submit_label:
        form.helper.submit_label = submit_label
    return render(
        request,
        FORM_PAGE_TEMPLATE,
        {
            "form": form,
            "page_title": title,
            "breadcrumbs": breadcrumbs,
            "intro": intro,
            **extra,
        },
    )


def saved_form_page(request, form, *, saved, back_to=None, **page):
    """A model form's page: on a valid POST, save the form, say ``saved`` (a text, or a
    function of the saved object) and go back to ``back_to`` (an object or a URL; the saved
    object itself by default); otherwise :func:`form_page` with ``page`` (title,
    breadcrumbs, cancel_url…)."""
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, saved(obj) if callable(saved) else saved)
        return redirect(back_to or obj)
    return form_page(request, form, **page)
