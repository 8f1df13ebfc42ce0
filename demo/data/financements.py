"""Demo envelopes (dotations) of the three demo cités, loaded by ``load_demo``.

Amounts come from the research (reference/domain-research.md): Alès Agglomération
270 000 € a year (ANCT programme 147 175 000 €, Éducation nationale programme 230
15 000 €, Alès Agglomération 80 000 €), Alençon – Perseigne 215 000 € a year, Valenton
475 000 € over its label (125 000 € the first, incomplete year, then 175 000 €). They
match the yearly commitments of the demo conventions. Legal references are fictional.
"""

from decimal import Decimal

from actions.models import Action
from demo.data.cites import ALENCON, ALES, ALES_AGGLO, ANCT, CU_ALENCON, MEN, VALENTON

# (cité slug, funder name, programme, {year: amount}, legal reference)
ENVELOPES = [
    (ALES, ANCT, "p147", dict.fromkeys((2025, 2026, 2027), Decimal("175000.00")),
     "Délégation de crédits du programme 147 au préfet du Gard (fictif)"),
    (ALES, MEN, "p230", dict.fromkeys((2025, 2026, 2027), Decimal("15000.00")),
     "Crédits du programme 230 – académie de Montpellier (fictif)"),
    (ALES, ALES_AGGLO, "collectivite", dict.fromkeys((2025, 2026, 2027), Decimal("80000.00")),
     "Délibération du conseil communautaire d'Alès Agglomération (fictive)"),
    (ALENCON, ANCT, "p147", dict.fromkeys((2022, 2023, 2024), Decimal("150000.00")),
     "Délégation de crédits du programme 147 au préfet de l'Orne (fictif)"),
    (ALENCON, CU_ALENCON, "collectivite", dict.fromkeys((2022, 2023, 2024), Decimal("50000.00")),
     "Délibération de la Communauté urbaine d'Alençon (fictive)"),
    (ALENCON, MEN, "p230", dict.fromkeys((2022, 2023, 2024), Decimal("15000.00")),
     "Crédits du programme 230 – DSDEN de l'Orne (fictif)"),
    (VALENTON, ANCT, "p147", {2022: Decimal("125000.00"), 2023: Decimal("175000.00"), 2024: Decimal("175000.00")},
     "Délégation de crédits du programme 147 au préfet du Val-de-Marne (fictif)"),
]  # fmt: skip

# The year of the Alès demo (envelopes: 270 000 €).
ALES_DEMO_YEAR = 2026

# Funding of the demo actions, by action status: every stage of the money appears.
# The share of the decided amount paid as an advance when the line is committed.
ADVANCE_SHARE = Decimal("0.5")
# Statuses of the actions that get funding lines (a proposal under review gets
# requested lines only).
FUNDED_STATUSES = Action.RETAINED_STATUSES
REVIEWED_STATUSES = Action.UNDER_REVIEW_STATUSES
