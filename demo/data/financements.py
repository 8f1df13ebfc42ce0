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


def yearly(amount, years):
    return dict.fromkeys(years, Decimal(amount))


ALES_YEARS, LABEL_2022_YEARS = (2025, 2026, 2027), (2022, 2023, 2024)
# (cité slug, funder name, programme, {year: amount}, legal reference)
ENVELOPES = [
    (ALES, ANCT, "p147", yearly("175000.00", ALES_YEARS),
     "Délégation de crédits du programme 147 au préfet du Gard (fictif)"),
    (ALES, MEN, "p230", yearly("15000.00", ALES_YEARS), "Crédits du programme 230 – académie de Montpellier (fictif)"),
    (ALES, ALES_AGGLO, "collectivite", yearly("80000.00", ALES_YEARS),
     "Délibération du conseil communautaire d'Alès Agglomération (fictive)"),
    (ALENCON, ANCT, "p147", yearly("150000.00", LABEL_2022_YEARS),
     "Délégation de crédits du programme 147 au préfet de l'Orne (fictif)"),
    (ALENCON, CU_ALENCON, "collectivite", yearly("50000.00", LABEL_2022_YEARS),
     "Délibération de la Communauté urbaine d'Alençon (fictive)"),
    (ALENCON, MEN, "p230", yearly("15000.00", LABEL_2022_YEARS), "Crédits du programme 230 – DSDEN de l'Orne (fictif)"),
    (VALENTON, ANCT, "p147", {2022: Decimal("125000.00"), **yearly("175000.00", (2023, 2024))},
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
