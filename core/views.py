"""Page helpers shared by every app's views."""

from django.shortcuts import render

FORM_PAGE_TEMPLATE = "core/form_page.html"


def form_page(request, form, *, title, breadcrumbs, cancel_url=None, intro="", submit_label="Enregistrer", **extra):
    """A page holding one form: title, optional lead paragraph, the form with its submit
    and cancel buttons (``templates/core/form_page.html``)."""
    return render(
        request,
        FORM_PAGE_TEMPLATE,
        {
            "form": form,
            "page_title": title,
            "breadcrumbs": breadcrumbs,
            "cancel_url": cancel_url,
            "intro": intro,
            "submit_label": submit_label,
            **extra,
        },
    )
