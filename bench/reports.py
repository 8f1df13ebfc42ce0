"""Benchmark of the PDF reports: a cité with 60 (and 500) programmed actions, its COPIL
dossier (one sheet per action in annex) and its evaluation report.

Run: ``.venv/bin/python bench/reports.py`` (or ``make bench``). Each case runs in its own
process on a throw-away SQLite database, so that the peak memory (max RSS) is the
case's own. Prints, per case: pages, seconds, peak memory, and the split of the time
between gathering the data, rendering the Django template and WeasyPrint (layout, then
writing the PDF). Results and method: docs/benchmarks.md.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (60, 500)
KINDS = ("copil_dossier", "evaluation")


def setup_django(var_dir):
    os.environ["VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
    os.environ["DATABASE_URL"] = ""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(size):
    """A cité, three funders with their envelopes, ``size`` programmed actions with a
    budget of five lines, two indicators, two QPVs and a school each, all on one COPIL."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from actions.models import Action, BudgetLine, Call, Indicator
    from cites.models import Cite, Commune, Organisation, PriorityArea, School
    from financements.models import Envelope
    from pilotage.models import AgendaItem, Meeting

    cite = Cite.objects.create(
        name="Cité éducative de démonstration", slug="bench", code="BENCH", departement="30", label_year=2025,
        label_start=datetime.date(2025, 9, 1), label_end=datetime.date(2028, 8, 31),
    )  # fmt: skip
    commune = Commune.objects.create(insee_code="30007", name="Alès", departement="30")
    areas = [PriorityArea.objects.create(code=f"QN0300{i}A", name=f"Quartier {i}") for i in range(1, 4)]
    school = School.objects.create(uai="0300001W", name="Collège Jean Moulin", kind="college", commune=commune)
    funders = [
        Organisation.objects.create(name=name, kind="etat", is_funder=True)
        for name in ("ANCT – programme 147", "Éducation nationale", "Agglomération")
    ]
    for funder, amount in zip(funders, ("175000", "15000", "80000"), strict=True):
        Envelope.objects.create(cite=cite, funder=funder, programme="autre", year=2026, amount=Decimal(amount))
    porteurs = [Organisation.objects.create(name=f"Association n° {i}", kind="association") for i in range(20)]
    now = timezone.now()
    call = Call.objects.create(
        cite=cite, year=2026, title="Appel à projets 2026", opens_at=now, closes_at=now + datetime.timedelta(days=30)
    )
    meeting = Meeting.objects.create(cite=cite, title="COPIL de programmation 2026", starts_at=now)
    actions = Action.objects.bulk_create(
        Action(
            cite=cite, call=call, year=2026, porteur=porteurs[i % 20], reference=f"BENCH-2026-{i + 1:03d}",
            title=f"Action de réussite éducative n° {i + 1}", national_objective=1 + i % 3,
            need="Des élèves en difficulté de lecture à l'entrée au collège. " * 3,
            objectives="Améliorer la fluence et la compréhension en lecture. " * 2,
            description="Ateliers hebdomadaires en petits groupes, le mercredi après-midi, avec les parents. " * 4,
            start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2027, 6, 30), place="Collège Jean Moulin",
            age_bands=["6-10", "11-15"], expected_participants=40, expected_girls=20, expected_boys=20,
            contact_name="Camille Martin", contact_email="camille@example.org", status=Action.Status.PROGRAMMED,
        )
        for i in range(size)
    )  # fmt: skip
    lines, indicators, items = [], [], []
    for i, action in enumerate(actions):
        lines += [
            BudgetLine(action=action, side="charge", account="64", label="Animateurs", amount_planned=Decimal("3000")),
            BudgetLine(action=action, side="charge", account="60", label="Fournitures", amount_planned=Decimal("500")),
            BudgetLine(action=action, side="produit", account="70", label="Participation",
                       amount_planned=Decimal("500")),
            BudgetLine(action=action, side="produit", account="74", label="Subvention", funder=funders[0],
                       amount_planned=Decimal("2000")),
            BudgetLine(action=action, side="produit", account="74", label="Subvention", funder=funders[2],
                       amount_planned=Decimal("1000")),
        ]  # fmt: skip
        indicators += [
            Indicator(action=action, label="Élèves accompagnés", target=40, unit="élèves"),
            Indicator(action=action, label="Séances réalisées", target=30, unit="séances"),
        ]
        items.append(AgendaItem(meeting=meeting, action=action, title=action.title, order=i))
        action.priority_areas.set(areas[:2])
        action.schools.set([school])
    BudgetLine.objects.bulk_create(lines)
    Indicator.objects.bulk_create(indicators)
    AgendaItem.objects.bulk_create(items)
    return cite, meeting


def run_case(size, kind):
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        from pilotage.models import Report
        from pilotage.pdf import render_pdf
        from pilotage.reports import BUILDERS

        cite, meeting = build(size)
        report = Report.objects.create(
            kind=kind, cite=cite, year=2026, meeting=meeting if kind == "copil_dossier" else None
        )
        start = time.perf_counter()
        template, context = BUILDERS[kind](report)
        data = time.perf_counter() - start
        timings = {}
        pdf, pages = render_pdf(template, context, timings=timings)
        total = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "actions": size, "kind": kind, "pages": pages, "bytes": len(pdf), "seconds": round(total, 2),
            "data": round(data, 2), "template": round(timings["template"], 2), "layout": round(timings["layout"], 2),
            "write": round(timings["write"], 2), "peak_mb": round(peak_mb),
            "outside_weasyprint_pct": round(100 * (data + timings["template"]) / total, 1),
        }  # fmt: skip


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        print(json.dumps(run_case(int(sys.argv[2]), sys.argv[3])))
        return
    sizes = [int(arg) for arg in sys.argv[1:]] or SIZES
    header = f"{'actions':>7} {'rapport':<14} {'pages':>5} {'total s':>8} {'données':>8} {'gabarit':>8} "
    header += f"{'mise en page':>12} {'écriture':>8} {'hors WeasyPrint':>15} {'RSS max':>8}"
    print(header)
    for size in sizes:
        for kind in KINDS:
            out = subprocess.run(
                [sys.executable, __file__, "--case", str(size), kind], capture_output=True, text=True, check=True
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['actions']:>7} {r['kind']:<14} {r['pages']:>5} {r['seconds']:>8.2f} {r['data']:>8.2f} "
                f"{r['template']:>8.2f} {r['layout']:>12.2f} {r['write']:>8.2f} {r['outside_weasyprint_pct']:>14.1f}% "
                f"{r['peak_mb']:>6} Mo"
            )


if __name__ == "__main__":
    main()
