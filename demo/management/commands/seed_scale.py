"""``python manage.py seed_scale --cites 300 --years 5 --actions-per-year 60``: a
national-scale dataset for benchmarks, written in bulk by :mod:`demo.scale`.

Deterministic: the same ``--seed`` gives the same rows; a progress bar goes to stderr.

Bench accounts (password ``--password``): ``admin@scale.example.org`` (superuser), and
for cité n° i ``coordination.sc0001@scale.example.org``, ``partenaire.sc0001@…``; one
préfecture account per département ``prefecture.30@scale.example.org``.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cites.models import Cite
from demo.scale.base import PREFIX, Progress
from demo.scale.generator import Generator


class Command(BaseCommand):
    help = "Génère un jeu de données à l'échelle nationale (cités, actions, financements, bilans, réunions)."

    def add_arguments(self, parser):
        parser.add_argument("--cites", type=int, default=300)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--actions-per-year", type=int, default=60)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--last-year", type=int, default=None, help="Dernière année (par défaut : l'année en cours)."
        )
        parser.add_argument("--password", default="Bench-Scale-2026!")

    def handle(self, *args, **options):
        if Cite.objects.filter(slug__startswith=PREFIX).exists():
            raise CommandError("Un jeu « seed_scale » est déjà chargé : utilisez une base vide.")
        n_cites, n_years, per_year = options["cites"], options["years"], options["actions_per_year"]
        if n_cites < 1 or n_years < 1 or per_year < 0 or n_cites > 9999:
            raise CommandError("Valeurs invalides : 1 ≤ --cites ≤ 9999, --years ≥ 1, --actions-per-year ≥ 0.")
        last = options["last_year"] or timezone.localdate().year
        generator = Generator(
            seed=options["seed"],
            years=list(range(last - n_years + 1, last + 1)),
            per_year=per_year,
            password=options["password"],
        )
        started = time.monotonic()
        generator.create_shared_rows()
        progress = Progress(getattr(self.stderr, "_out", sys.stderr), n_cites)
        counts = {}
        for indices in generator.chunks(n_cites):
            for model, count in generator.run_chunk(indices).items():
                counts[model] = counts.get(model, 0) + count
            progress.step(len(indices))
        progress.finish()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{model._meta.verbose_name_plural} : {count}" for model, count in counts.items())
        self.stdout.write(f"Jeu de données généré en {elapsed:.1f} s. {summary}.")
