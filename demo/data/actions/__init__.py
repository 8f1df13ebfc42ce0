"""Demo calls for projects and actions, loaded by ``load_demo`` (step ``load_actions``);
the actions live in one module per demo cité and call (``ales_2026``, ``ales_2027``,
``valenton_2024``, ``alencon_2024``), what they share in ``common``.

Everything here is fictional (titles, figures, people), built on the demo cités,
organisations and accounts of :mod:`demo.data.cites`. Natural keys: a call is
(cité, year, title), an action (cité, year, title), a budget line (action, side,
account, label), an indicator (action, label), a step of the timeline (action, from,
to), a message (action, text).

Budgets follow the CERFA 12156: charges (60–68, 86) and produits (70–78, 87); each
account-74 line names the funder asked. The line "Fonds propres" (account 75) is
computed by the loader so that every proposal that left the draft stage is balanced.
The actions programmed in 2026 in Alès ask the three funders of the convention for
less than the 270 000 € of the year.
"""

from decimal import Decimal

from demo.data.actions import alencon_2024, ales_2026, ales_2027, valenton_2024
from demo.data.actions.common import (
    COORDINATORS,
    PARTNER_ACCOUNTS,
    PILOT_ALES,
    D,
    at,
)
from demo.data.cites import ALENCON, ALES, VALENTON

__all__ = [
    "ACTIONS", "ALES", "CALLS", "COORDINATORS", "D", "DEFAULT_BILAN", "DEFAULT_COMMENTS",
    "PARTNER_ACCOUNTS", "PATHS", "PILOT_ALES", "SCHEDULE", "at",
]  # fmt: skip

# --- Calls -------------------------------------------------------------------------------
# key: (cite slug, year, title, opens_at, closes_at, envelope, [axis codes], text)
CALLS = {
    "ales-2026": {
        "cite": ALES,
        "year": 2026,
        "title": "Appel à projets 2026 de la Cité éducative d'Alès Agglomération",
        "opens_at": at(D(2025, 11, 3), 9),
        "closes_at": at(D(2026, 1, 30), 12),
        "envelope": Decimal("270000.00"),
        "axes": ["1.1", "2.1", "3.1"],
        "text": (
            "Premier appel à projets de la cité, labellisée en 2025. Les actions s'adressent aux enfants et "
            "aux jeunes de 0 à 25 ans des cinq quartiers prioritaires et des écoles et collèges du périmètre. "
            "Priorités : poursuite d'études après le bac, alliance avec les familles dès la petite enfance, "
            "mobilité des 16-25 ans, santé mentale.\n"
            "Le budget prévisionnel doit être équilibré et faire apparaître les cofinancements."
        ),
    },
    "ales-2027": {
        "cite": ALES,
        "year": 2027,
        "title": "Appel à projets 2027 de la Cité éducative d'Alès Agglomération",
        "opens_at": at(D(2026, 11, 2), 9),
        "closes_at": at(D(2027, 1, 31), 23, 59),
        "envelope": Decimal("270000.00"),
        "axes": ["1.1", "2.1", "3.1"],
        "text": (
            "Deuxième appel à projets. Les propositions sont instruites au fil de l'eau par la cellule "
            "opérationnelle puis présentées au comité de pilotage de mars 2027.\n"
            "Joindre les statuts, le RIB et les derniers comptes approuvés de la structure."
        ),
    },
    "valenton-2024": {
        "cite": VALENTON,
        "year": 2024,
        "title": "Appel à projets 2024 de la Cité éducative de Valenton",
        "opens_at": at(D(2023, 11, 6), 9),
        "closes_at": at(D(2024, 1, 19), 12),
        "envelope": Decimal("175000.00"),
        "axes": ["1.1", "2.1", "3.1"],
        "text": "Dernière année du label : actions de persévérance scolaire, de santé et d'ouverture.",
    },
    "alencon-2024": {
        "cite": ALENCON,
        "year": 2024,
        "title": "Appel à projets 2024 de la Cité éducative d'Alençon – Perseigne",
        "opens_at": at(D(2023, 11, 13), 9),
        "closes_at": at(D(2024, 1, 26), 12),
        "envelope": Decimal("215000.00"),
        "axes": ["1.1", "2.1", "3.1"],
        "text": "Actions pour les enfants et les jeunes du quartier de Perseigne.",
    },
}

# Every demo action, in loading order (references are numbered in this order).
ACTIONS = [*ales_2026.ACTIONS, *ales_2027.ACTIONS, *valenton_2024.ACTIONS, *alencon_2024.ACTIONS]


# --- Timelines ---------------------------------------------------------------------------
# The steps each status went through, and when they happened for each call. Submissions
# follow each other one day apart, from "submit"; the other dates are the instruction
# meetings; "programme" and "reject" are the decisions of the call's COPIL ("meeting", in
# demo/pilotage.py), recorded at the end of that meeting. "start" happens on the action's
# start date (not before its programming), "report" three weeks after its end and "close"
# two weeks after the report.
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "in_review": ["submit", "start_review"],
    "changes_requested": ["submit", "start_review", "request_changes"],
    "programmed": ["submit", "start_review", "programme"],
    "rejected": ["submit", "start_review", "reject"],
    "withdrawn": ["submit", "withdraw"],
    "in_progress": ["submit", "start_review", "programme", "start"],
    "reported": ["submit", "start_review", "programme", "start", "report"],
    "closed": ["submit", "start_review", "programme", "start", "report", "close"],
}


def schedule(*, submit, review, changes, withdraw, decision, copil, meeting):
    """The dates of a call's instruction: the first submission, the review meeting, the
    change requests and withdrawals, and its COPIL (``meeting``, held on ``copil``, a
    French date) whose decisions are recorded at ``decision``."""
    return {
        "submit": submit,
        "start_review": review,
        "request_changes": changes,
        "withdraw": withdraw,
        "programme": decision,
        "reject": decision,
        "copil": f"Décision du comité de pilotage du {copil}.",
        "meeting": meeting,
    }


SCHEDULE = {
    "ales-2026": schedule(
        submit=at(D(2026, 1, 5), 11), review=at(D(2026, 2, 9), 9, 30), changes=at(D(2026, 2, 12), 15),
        withdraw=at(D(2026, 2, 16), 10), decision=at(D(2026, 3, 17), 17),
        copil="17 mars 2026", meeting="COPIL de programmation 2026",
    ),
    "ales-2027": schedule(
        submit=at(D(2026, 11, 4), 11), review=at(D(2026, 11, 16), 9, 30), changes=at(D(2026, 11, 19), 15),
        withdraw=at(D(2026, 11, 20), 10), decision=at(D(2027, 3, 16), 17),
        copil="16 mars 2027", meeting="COPIL de programmation 2027",
    ),
    "valenton-2024": schedule(
        submit=at(D(2024, 1, 8), 11), review=at(D(2024, 1, 22), 9, 30), changes=at(D(2024, 1, 25), 15),
        withdraw=at(D(2024, 1, 26), 10), decision=at(D(2024, 2, 6), 17),
        copil="6 février 2024", meeting="COPIL de programmation 2024",
    ),
    "alencon-2024": schedule(
        submit=at(D(2024, 1, 15), 11), review=at(D(2024, 1, 29), 9, 30), changes=at(D(2024, 2, 1), 15),
        withdraw=at(D(2024, 2, 2), 10), decision=at(D(2024, 6, 20), 12),
        copil="20 juin 2024", meeting="COPIL annuel 2024 et ateliers d'évaluation",
    ),
}  # fmt: skip

DEFAULT_COMMENTS = {
    "start": "Démarrage de l'action.",
    "report": "Bilan transmis.",
    "close": "Bilan validé : l'action est clôturée.",
}

DEFAULT_BILAN = {
    "carried_out": "L'action s'est déroulée comme prévu, au rythme annoncé dans la fiche action.",
    "results": "Les objectifs sont atteints pour l'essentiel : voir les indicateurs ci-dessous.",
    "difficulties": "Quelques absences en période de fêtes et d'examens.",
    "outlook": "Reconduire l'action en l'ouvrant à un second établissement.",
}
