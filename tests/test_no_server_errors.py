"""No 5xx on any page of any demo account, every year (issue 10).

After ``load_demo``, each demo account logs in and crawls the site: from « / », every
same-site ``<a href>`` of every HTML page (parsed with the standard library), plus, for
each cité the account sees, every page with a year in it (dashboards, funding overview,
programming, exports, meeting and report lists, conventions) for every year from the
label's (or the earliest convention's) first year to next year.

The crawl stays bounded and deterministic: links are visited in breadth-first order,
sorted; the pagination and sort parameters are dropped; a route is visited with at most
``PER_ROUTE`` different objects (the year pages are always visited). The assertion
message lists every failing URL with the last lines of its traceback.
"""

import time
import traceback
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from accounts.models import User
from cites.models import Cite, Convention
from demo.data.cites import ACCOUNTS
from financements.exports import TABLES
from tests.otp import verify_session

pytestmark = [pytest.mark.django_db, pytest.mark.heavy]

PASSWORD = "Demo-Cite-2026!"
PER_ROUTE = 4  # different objects per route (url name and query-string keys)
MAX_PAGES = 400  # per account, a safety net: the demo needs far fewer
DROPPED_PARAMS = {"page", "tri", "ordre", "sort", "order", "next"}
SKIPPED_PREFIXES = ("/static/", "/media/", "/compte/deconnexion/")


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def normalise(href, base_path):
    """The same-site path and sorted query string of a link, or None to skip it."""
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path or base_path
    if not path.startswith("/"):
        path = base_path.rsplit("/", 1)[0] + "/" + path
    if path.startswith(SKIPPED_PREFIXES) or (path.startswith("/admin/") and path != "/admin/"):
        return None
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in DROPPED_PARAMS)
    return path + ("?" + urlencode(query) if query else "")


def route_key(url):
    """What makes two URLs « the same page for another object »: the url name and the
    query-string keys."""
    path, _, query = url.partition("?")
    try:
        match = resolve(path)
    except Resolver404:
        return (path, ())
    return (match.view_name, tuple(sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)})))


def first_year(cite):
    years = [cite.label_start.year]
    years += [c.start_date.year for c in Convention.objects.filter(cite=cite)]
    return min(years)


def year_urls(cites):
    """Every page with a year in it, for these cités and every year of their label."""
    next_year = timezone.localdate().year + 1
    urls = []
    all_years = set()
    for cite in cites:
        years = range(first_year(cite), next_year + 1)
        all_years.update(years)
        for year in years:
            funding = f"/financements/cites/{cite.pk}/{year}/"
            urls += [
                f"/?annee={year}&cite={cite.pk}",
                f"{reverse('pilotage:dashboard_cite')}?annee={year}&cite={cite.pk}",
                funding,
                f"{funding}programmation/",
                f"{funding}enveloppes/nouvelle/",
                f"{funding}export.xlsx",
                *(f"{funding}export-{table}.csv" for table in TABLES),
                f"{reverse('pilotage:meeting_list', args=[cite.pk])}?annee={year}",
                f"{reverse('pilotage:report_list', args=[cite.pk])}?annee={year}",
                f"{reverse('actions:list')}?annee={year}&cite={cite.pk}",
            ]
    for year in sorted(all_years):
        urls += [
            f"{reverse('pilotage:dashboard_prefecture')}?annee={year}",
            f"{reverse('pilotage:dashboard_prefecture_csv')}?annee={year}",
            f"{reverse('pilotage:dashboard_prefecture_xlsx')}?annee={year}",
            f"{reverse('pilotage:dashboard_national')}?annee={year}",
            f"{reverse('pilotage:dashboard_national_xlsx')}?annee={year}",
            *(
                f"{reverse('pilotage:dashboard_national_csv')}?annee={year}&niveau={n}"
                for n in ("region", "departement", "cite")
            ),
            f"{reverse('cites:convention_list')}?annee={year}",
        ]
    for cite in cites:
        for departement in sorted({cite.departement}):
            urls.append(f"{reverse('pilotage:dashboard_prefecture')}?departement={departement}")
    return urls


def _tail(response):
    if response.exc_info:
        lines = traceback.format_exception(*response.exc_info)
        return "".join(lines[-3:]).strip()
    return response.content[:300].decode(errors="replace")


def crawl(client, seeds):
    """Visit the seeds (all of them) and, breadth-first, the links of every HTML page."""
    seen, per_route, failures = set(), {}, []
    queue = deque((url, True) for url in seeds)
    while queue and len(seen) < MAX_PAGES + len(seeds):
        url, forced = queue.popleft()
        if url in seen:
            continue
        if not forced:
            key = route_key(url)
            if per_route.get(key, 0) >= PER_ROUTE:
                continue
            per_route[key] = per_route.get(key, 0) + 1
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code, _tail(response)))
            continue
        if response.streaming:
            b"".join(response.streaming_content)
            continue
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = LinkParser()
        parser.feed(response.content.decode())
        links = {normalise(href, url.partition("?")[0]) for href in parser.links}
        queue.extend((link, False) for link in sorted(links - {None}) if link not in seen)
    return seen, failures


def test_no_page_of_any_demo_account_answers_5xx():
    call_command("load_demo", verbosity=0)
    report, all_failures = [], []
    for account in ACCOUNTS:
        email = account["email"]
        client = Client(raise_request_exception=False)
        # django-axes checks every authentication against the request it comes with
        assert client.login(request=HttpRequest(), email=email, password=PASSWORD), email
        user = User.objects.get(email=email)
        verify_session(client, user)  # the second factor, as staff give it after the password
        cites = list(Cite.objects.visible_to(user).order_by("pk"))
        started = time.monotonic()
        seen, failures = crawl(client, ["/", *year_urls(cites)])
        report.append(f"{email}: {len(seen)} URL en {time.monotonic() - started:.1f} s")
        all_failures += [(email, *failure) for failure in failures]
    print("\n".join(report))
    assert not all_failures, "\n\n".join(
        f"{status} {url} ({email})\n{tail}" for email, url, status, tail in all_failures
    )
