"""Server time of the main pages on the ``seed_scale`` dataset, side by side with two
references measured in the same run: a minimal authenticated page (the floor) and the
Django admin changelist of actions.

Run (PostgreSQL, after ``migrate`` and ``seed_scale``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portail_scale \
        .venv/bin/python bench/pages.py --rounds 40

In-process with Django's test ``Client`` (full middleware stack, template rendering, no
network): the time is the server's. Requests are interleaved round-robin over the pages
so that every page sees the same machine conditions. Prints a Markdown table.
"""

import argparse
import statistics
import sys
import time

from environment import production_like

production_like()


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="requests per page (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=3)
    return parser.parse_args()


def scale_users():
    """The seeded users the pages are measured as: admin, the first cité's coordinator
    and partner, the prefecture of the département with the most cités."""
    from django.db.models import Count

    from accounts.models import User
    from cites.models import Cite

    try:
        admin = User.objects.get(email="admin@scale.example.org")
    except User.DoesNotExist:
        sys.exit("Lancez d'abord : python manage.py seed_scale --cites 300 --years 5 --actions-per-year 60")
    cite = Cite.objects.get(slug="scale-0001")
    code = cite.code.lower()
    busiest = (
        Cite.objects.filter(slug__startswith="scale-")
        .values("departement")
        .annotate(n=Count("id"))
        .order_by("-n", "departement")
        .first()
    )
    return {
        "admin": admin,
        "cite": cite,
        "coordinator": User.objects.get(email=f"coordination.{code}@scale.example.org"),
        "partner": User.objects.get(email=f"partenaire.{code}@scale.example.org"),
        "prefecture": User.objects.get(email=f"prefecture.{busiest['departement']}@scale.example.org"),
        "busiest": busiest,
    }


def measured_pages(users, year):
    """(label, user, url) of the pages, the two references first."""
    from django.urls import reverse

    admin, coordinator, busiest = users["admin"], users["coordinator"], users["busiest"]
    overview = reverse("financements:overview", args=[users["cite"].pk, year])
    return [
        ("Plancher : mon compte (accounts:my_account)", coordinator, reverse("accounts:my_account")),
        ("Admin Django : liste des actions", admin, "/admin/actions/action/"),
        ("Tableau de bord coordination (/)", coordinator, reverse("home")),
        (
            f"Tableau de bord préfecture ({busiest['n']} cités, dép. {busiest['departement']})",
            users["prefecture"],
            reverse("pilotage:dashboard_prefecture"),
        ),
        ("Vue nationale (300 cités)", admin, reverse("pilotage:dashboard_national")),
        ("Accueil partenaire", users["partner"], reverse("pilotage:dashboard_partner")),
        ("Propositions (actions:list), coordination", coordinator, reverse("actions:list")),
        ("Propositions (actions:list), admin (toutes)", admin, reverse("actions:list")),
        ("Vue financière (financements:overview)", coordinator, overview),
    ]


def logged_in_clients(pages):
    """One test client per user, logged in, the second factor given as after a real login
    (a confirmed TOTP device of the bench database verifies the session): the pages are
    measured with the device lookup every staff request makes."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clients = {}
    for _, user, _ in pages:
        if user.pk not in clients:
            clients[user.pk] = client = Client()
            client.force_login(user)
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=user, name="Banc de mesure", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return clients


def warm_up(pages, clients, warmup):
    """Warm-up, then one pass to count queries and check the status: (queries, sizes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries, sizes = {}, {}
    for label, user, url in pages:
        client = clients[user.pk]
        for _ in range(warmup):
            client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{label} : HTTP {response.status_code}")
        queries[label] = len(captured)
        sizes[label] = len(response.content)
    return queries, sizes


def measure(pages, clients, rounds):
    """{label: [ms]}: the pages requested round-robin, ``rounds`` times each."""
    timings = {label: [] for label, _, _ in pages}
    for _ in range(rounds):
        for label, user, url in pages:
            started = time.perf_counter()
            response = clients[user.pk].get(url)
            timings[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
    return timings


def print_table(pages, timings, queries, sizes):
    floor = statistics.median(timings[pages[0][0]])
    admin_median = statistics.median(timings[pages[1][0]])
    print("| Page | médiane (ms) | p95 (ms) | × plancher | vs admin | requêtes SQL | taille (Ko) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, _, _ in pages:
        values = timings[label]
        median = statistics.median(values)
        print(
            f"| {label} | {median:.1f} | {percentile(values, 0.95):.1f} | {median / floor:.1f} | "
            f"{median / admin_median:.2f} | {queries[label]} | {sizes[label] / 1024:.0f} |"
        )


def main():
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        print(f"Attention : base {engine}, pas PostgreSQL (définissez DATABASE_URL).", file=sys.stderr)
    year = timezone.localdate().year
    pages = measured_pages(scale_users(), year)
    clients = logged_in_clients(pages)
    queries, sizes = warm_up(pages, clients, args.warmup)
    timings = measure(pages, clients, args.rounds)
    print(f"PostgreSQL : {engine}; {args.rounds} requêtes par page après {args.warmup} de chauffe; année {year}")
    print()
    print_table(pages, timings, queries, sizes)


if __name__ == "__main__":
    main()
