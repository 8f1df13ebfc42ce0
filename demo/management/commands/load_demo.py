"""``python manage.py load_demo``: load (or bring back) the whole demo data set.

It lives on the top floor (the ``demo`` app) because it runs a step for every app, in
order: territories, cités, organisations, conventions and accounts (demo/cites.py), the
envelopes (demo/financements.py), then calls and actions up to their decision
(demo/actions.py), the COPILs that decide them (demo/pilotage.py), the rest of the
actions' workflow (demo/actions.py), funding (demo/financements.py) and reports
(demo/pilotage.py) — the workflows through the domain services. Idempotent: a second
run creates and changes nothing.

``--if-empty`` (used by ``make run``) loads only into a database without any cité, so
that starting the portal never resets demo objects a person edited; ``make demo`` runs
the command without it, as the explicit reset.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from cites.models import Cite
from demo import cites as cites_demo
from demo.actions import load_actions, load_follow_up
from demo.financements import load_envelopes, load_funding
from demo.pilotage import load_meetings, load_reports

# The envelopes exist before the decisions that draw on them; the actions reach their
# COPIL under instruction, the COPILs decide them, then the programmed ones go on; the
# money follows the decisions; the reports read it all.
STEPS = [
    *cites_demo.STEPS,
    load_envelopes,
    load_actions,
    load_meetings,
    load_follow_up,
    load_funding,
    load_reports,
]


class Command(BaseCommand):
    help = "Charge (ou remet à jour) les données de démonstration : cités, partenaires, conventions, comptes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne charge rien si la base contient déjà une cité (les données modifiées sont conservées).",
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Cite.objects.exists():
            self.stdout.write(
                "La base contient déjà des cités : données de démonstration conservées telles quelles "
                "(« make demo » les remet à leur état initial)."
            )
            return
        tally = cites_demo.Tally()
        with transaction.atomic():
            for step in STEPS:
                step(tally)
        lines = cites_demo.summary_lines(tally)
        for line in lines[:-1]:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(lines[-1]))
        if options["verbosity"] >= 2:
            for label, counter in (("créés", tally.created), ("mis à jour", tally.updated)):
                for model_name, count in sorted(counter.items()):
                    self.stdout.write(f"  {model_name} {label} : {count}")
