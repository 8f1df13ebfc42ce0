"""The one place that turns a template into a PDF (WeasyPrint).

Static assets (fonts) are read from disk through the staticfiles finders: WeasyPrint
never makes an HTTP request, not even to our own server (with one sync gunicorn worker
that would deadlock). Anything that is not a static file or a ``data:`` URL is refused.
"""

import mimetypes
import time
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs (``/static/…``) are resolved against this base, then mapped to disk.
BASE_URL = "https://portail.invalid/"
mimetypes.add_type("font/woff2", ".woff2")


class StaticFilesFetcher(URLFetcher):
    """Serves ``/static/…`` from the staticfiles finders (or STATIC_ROOT), nothing else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        path = unquote(parts.path)
        if parts.netloc == urlsplit(BASE_URL).netloc and path.startswith(settings.STATIC_URL):
            relative = path.removeprefix(settings.STATIC_URL)
            found = finders.find(relative) or _from_static_root(relative)
            if found:
                with open(found, "rb") as handle:
                    body = handle.read()
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        raise ValueError(f"Ressource refusée dans un PDF (seuls les fichiers statiques sont lus) : {url}")


def _from_static_root(relative):
    candidate = (settings.STATIC_ROOT / relative).resolve()
    if settings.STATIC_ROOT.resolve() in candidate.parents and candidate.is_file():
        return str(candidate)
    return None


def render_pdf(template_name, context, timings=None):
    """Render ``template_name`` with ``context`` and lay it out as a PDF.

    Returns ``(pdf_bytes, page_count)``. When ``timings`` is a dict, it receives the
    seconds spent in the Django template (``template``), in WeasyPrint's layout
    (``layout``) and in writing the PDF (``write``).
    """
    start = time.perf_counter()
    html = render_to_string(template_name, context)
    rendered = time.perf_counter()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher()).render()
    laid_out = time.perf_counter()
    pdf = document.write_pdf()
    written = time.perf_counter()
    if timings is not None:
        timings.update(template=rendered - start, layout=laid_out - rendered, write=written - laid_out)
    return pdf, len(document.pages)
