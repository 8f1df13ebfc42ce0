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
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
# Production-like: no DEBUG (query logging, debug templates) while measuring.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="requests per page (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from cites.models import Cite

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        print(f"Attention : base {engine}, pas PostgreSQL (définissez DATABASE_URL).", file=sys.stderr)
    try:
        admin = User.objects.get(email="admin@scale.example.org")
    except User.DoesNotExist:
        sys.exit("Lancez d'abord : python manage.py seed_scale --cites 300 --years 5 --actions-per-year 60")
    year = timezone.localdate().year
    cite = Cite.objects.get(slug="scale-0001")
    coordinator = User.objects.get(email=f"coordination.{cite.code.lower()}@scale.example.org")
    partner = User.objects.get(email=f"partenaire.{cite.code.lower()}@scale.example.org")
    busiest = (
        Cite.objects.filter(slug__startswith="scale-")
        .values("departement")
        .annotate(n=Count("id"))
        .order_by("-n", "departement")
        .first()
    )
    prefecture = User.objects.get(email=f"prefecture.{busiest['departement']}@scale.example.org")

    pages = [
        ("Plancher : mon compte (accounts:my_account)", coordinator, reverse("accounts:my_account")),
        ("Admin Django : liste des actions", admin, "/admin/actions/action/"),
        ("Tableau de bord coordination (/)", coordinator, reverse("home")),
        (
            f"Tableau de bord préfecture ({busiest['n']} cités, dép. {busiest['departement']})",
            prefecture,
            reverse("dashboards:prefecture"),
        ),
        ("Vue nationale (300 cités)", admin, reverse("dashboards:national")),
        ("Accueil partenaire", partner, reverse("dashboards:partner")),
        ("Propositions (actions:list), coordination", coordinator, reverse("actions:list")),
        ("Propositions (actions:list), admin (toutes)", admin, reverse("actions:list")),
        ("Vue financière (financements:overview)", coordinator, reverse("financements:overview", args=[cite.pk, year])),
    ]
    clients = {}
    for _, user, _ in pages:
        if user.pk not in clients:
            client = Client()
            client.force_login(user)
            clients[user.pk] = client

    # Warm-up and one pass to count queries and check the status.
    queries, sizes = {}, {}
    for label, user, url in pages:
        client = clients[user.pk]
        for _ in range(args.warmup):
            client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{label} : HTTP {response.status_code}")
        queries[label] = len(captured)
        sizes[label] = len(response.content)

    timings = {label: [] for label, _, _ in pages}
    for _ in range(args.rounds):
        for label, user, url in pages:
            client = clients[user.pk]
            started = time.perf_counter()
            response = client.get(url)
            timings[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)

    floor = statistics.median(timings[pages[0][0]])
    admin_median = statistics.median(timings[pages[1][0]])
    print(f"PostgreSQL : {engine}; {args.rounds} requêtes par page après {args.warmup} de chauffe; année {year}")
    print()
    print("| Page | médiane (ms) | p95 (ms) | × plancher | vs admin | requêtes SQL | taille (Ko) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, _, _ in pages:
        values = timings[label]
        median = statistics.median(values)
        print(
            f"| {label} | {median:.1f} | {percentile(values, 0.95):.1f} | {median / floor:.1f} | "
            f"{median / admin_median:.2f} | {queries[label]} | {sizes[label] / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
