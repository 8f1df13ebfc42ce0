"""Demo data loaded by ``python manage.py load_demo``.

Three cités taken from the research (reference/domain-research.md §7 and the seeds):
Alès Agglomération (2025 wave, large), Alençon – Perseigne and Valenton (2022 wave).

What is real and what is not:
- real: place names, INSEE codes of the communes, the three collèges named in the
  research (Jean Moulin, Louise Michel, Fernande-Flagon), the signing date and the
  funding of the Alès convention, the 215 000 €/year of Alençon, the 475 000 € of Valenton;
- made up: every person (fictional names), every association, every SIRET/RNA (valid
  check digits, not registered), every UAI (valid check letter, not the schools' real
  numbers), the other school names, the QPV codes (2024 format, not taken from
  ``listeqp2024``) and approximate QPV names; dates marked "fictive" in the notes.

Everything is keyed on natural keys (INSEE code, QPV code, UAI, SIRET or name, slug,
e-mail…) so that the command is idempotent. Later issues extend this module (actions,
funding, meetings) and add a ``load_…`` step to the command.
"""

import datetime
from decimal import Decimal

D = datetime.date

PASSWORD = "Demo-Cite-2026!"

ALES = "ales-agglomeration"
ALENCON = "alencon-perseigne"
VALENTON = "valenton"

# --- Reference data ----------------------------------------------------------------------
# (insee_code, name, departement)
COMMUNES = [
    ("30007", "Alès", "30"),
    ("30243", "Saint-Christol-lez-Alès", "30"),
    ("30284", "Saint-Martin-de-Valgalgues", "30"),
    ("30294", "Saint-Privat-des-Vieux", "30"),
    ("30305", "Salindres", "30"),
    ("30132", "La Grand-Combe", "30"),
    ("61001", "Alençon", "61"),
    ("94074", "Valenton", "94"),
]

# (code, name, [insee codes])
PRIORITY_AREAS = [
    ("QN03021C", "Les Prés-Saint-Jean", ["30007"]),
    ("QN03022D", "Cévennes – Les Alpins – Cauvel", ["30007"]),
    ("QN03023E", "Tamaris – La Royale", ["30007"]),
    ("QN03024F", "Centre-ville – Rochebelle", ["30007"]),
    ("QN03025G", "Trescol – Centre ancien", ["30132"]),
    ("QN06101A", "Perseigne", ["61001"]),
    ("QN09410B", "Lutèce – Bergerie", ["94074"]),
]

# uai: (name, kind, education_priority, pupils, insee code)
SCHOOLS = {
    "0300901S": ("Jean Moulin", "college", "rep_plus", 560, "30007"),
    "0300902T": ("Maternelle des Prés-Saint-Jean", "ecole", "rep_plus", 120, "30007"),
    "0300903U": ("Élémentaire des Prés-Saint-Jean", "ecole", "rep_plus", 210, "30007"),
    "0300904V": ("Élémentaire de Cauvel", "ecole", "rep", 180, "30007"),
    "0300905W": ("Collège de La Grand-Combe", "college", "rep", 380, "30132"),
    "0300906X": ("Lycée polyvalent d'Alès", "lycee", "", 1100, "30007"),
    "0300907Y": ("Élémentaire de Salindres", "ecole", "", 200, "30305"),
    "0610901Y": ("Louise Michel", "college", "rep_plus", 410, "61001"),
    "0610902Z": ("Élémentaire de Perseigne", "ecole", "rep_plus", 220, "61001"),
    "0940901U": ("Fernande-Flagon", "college", "rep", 600, "94074"),
    "0940902V": ("Élémentaire du quartier Lutèce", "ecole", "rep", 250, "94074"),
}

# --- Cités -------------------------------------------------------------------------------
CITES = [
    {
        "slug": ALES,
        "name": "Cité éducative d'Alès Agglomération",
        "code": "ALES",
        "departement": "30",
        "label_year": 2025,
        "label_start": D(2025, 9, 1),
        "label_end": D(2028, 8, 31),
        "status": "labelled",
        "lead_school": "0300901S",
        "description": (
            "Première cité éducative à l'échelle d'une intercommunalité : les 71 communes d'Alès "
            "Agglomération, environ 23 000 élèves, 135 écoles, 20 collèges et 10 lycées, cinq quartiers "
            "prioritaires. Siège au collège Jean Moulin. Priorités : petite enfance, santé mentale, "
            "jeunes de 16 à 25 ans et poursuite d'études après le bac."
        ),
        "communes": ["30007", "30243", "30284", "30294", "30305", "30132"],
        "priority_areas": ["QN03021C", "QN03022D", "QN03023E", "QN03024F", "QN03025G"],
        "schools": ["0300901S", "0300902T", "0300903U", "0300904V", "0300905W", "0300906X", "0300907Y"],
    },
    {
        "slug": ALENCON,
        "name": "Cité éducative d'Alençon – Perseigne",
        "code": "ALENCON",
        "departement": "61",
        "label_year": 2022,
        "label_start": D(2022, 9, 1),
        "label_end": D(2024, 12, 31),
        "status": "ended",
        "lead_school": "0610901Y",
        "description": (
            "Quartier de Perseigne, labellisé pour la période 2022-2024 avec une dotation annuelle de "
            "215 000 €. Pilotage : préfecture de l'Orne, Ville et Communauté urbaine d'Alençon, "
            "Éducation nationale ; animation par une cellule opérationnelle."
        ),
        "communes": ["61001"],
        "priority_areas": ["QN06101A"],
        "schools": ["0610901Y", "0610902Z"],
    },
    {
        "slug": VALENTON,
        "name": "Cité éducative de Valenton",
        "code": "VALENTON",
        "departement": "94",
        "label_year": 2022,
        "label_start": D(2022, 1, 1),
        "label_end": D(2024, 12, 31),
        "status": "ended",
        "lead_school": "0940901U",
        "description": (
            "Cinquième cité éducative du Val-de-Marne, labellisée en 2022 avec un financement de "
            "475 000 €. L'Éducation nationale est tête de file, représentée par le principal du "
            "collège Fernande-Flagon."
        ),
        "communes": ["94074"],
        "priority_areas": ["QN09410B"],
        "schools": ["0940901U", "0940902V"],
    },
]

# slug: [(code, national objective, title, description)]
AXES = {
    ALES: [
        (
            "1.1",
            1,
            "Favoriser la poursuite d'études après le bac",
            "Un jeune sur deux ne poursuit pas d'études après le bac sur le territoire : orientation, "
            "découverte de l'enseignement supérieur, accompagnement des lycéens et de leurs familles.",
        ),
        (
            "2.1",
            2,
            "Soutenir la parentalité et l'alliance avec les familles",
            "Accueil des parents à l'école, lieux d'échange, accompagnement dès la petite enfance.",
        ),
        (
            "3.1",
            3,
            "Développer la mobilité des jeunes",
            "Sorties, séjours, permis et transports : ouvrir le territoire et les possibles aux 16-25 ans.",
        ),
    ],
    ALENCON: [
        ("1.1", 1, "Égalité filles-garçons et lutte contre les stéréotypes", ""),
        ("2.1", 2, "Accès aux droits et à la santé des jeunes", ""),
        ("3.1", 3, "Mobilité des jeunes et ouverture culturelle", ""),
    ],
    VALENTON: [
        ("1.1", 1, "Climat scolaire et persévérance", ""),
        ("2.1", 2, "Santé et prévention dès la petite enfance", ""),
        ("3.1", 3, "Ouverture culturelle et sportive", ""),
    ],
}

# --- Organisations -----------------------------------------------------------------------
# Looked up by SIRET when they have one, by name otherwise. "cites" lists the slugs the
# organisation works in (Organisation.cites).
ANCT = "Agence nationale de la cohésion des territoires (ANCT)"
MEN = "Ministère de l'Éducation nationale"
ALES_AGGLO = "Alès Agglomération"
PREF_GARD = "Préfecture du Gard"
RECTORAT_MONTPELLIER = "Rectorat de l'académie de Montpellier"
PREF_ORNE = "Préfecture de l'Orne"
CU_ALENCON = "Communauté urbaine d'Alençon"
DSDEN_ORNE = "Direction des services départementaux de l'Éducation nationale de l'Orne"
PREF_VAL_DE_MARNE = "Préfecture du Val-de-Marne"
VILLE_VALENTON = "Ville de Valenton"
DSDEN_VAL_DE_MARNE = "Direction des services départementaux de l'Éducation nationale du Val-de-Marne"
COLLEGE_FLAGON = "Collège Fernande-Flagon"
ALES_REUSSITE = "Association Alès Réussite Éducative"

ORGANISATIONS = [
    # Funders and signatories (public bodies: no SIRET stored in the demo)
    {"name": ANCT, "kind": "etat", "is_funder": True, "city": "Paris", "cites": [ALES, ALENCON, VALENTON]},
    {"name": MEN, "kind": "etat", "is_funder": True, "city": "Paris", "cites": [ALES, ALENCON]},
    {"name": ALES_AGGLO, "kind": "collectivite", "is_funder": True, "postal_code": "30100", "city": "Alès",
     "cites": [ALES]},
    {"name": PREF_GARD, "kind": "etat", "postal_code": "30000", "city": "Nîmes", "cites": [ALES]},
    {"name": RECTORAT_MONTPELLIER, "kind": "etat", "postal_code": "34000", "city": "Montpellier", "cites": [ALES]},
    {"name": PREF_ORNE, "kind": "etat", "postal_code": "61000", "city": "Alençon", "cites": [ALENCON]},
    {"name": CU_ALENCON, "kind": "collectivite", "is_funder": True, "postal_code": "61000", "city": "Alençon",
     "cites": [ALENCON]},
    {"name": DSDEN_ORNE, "kind": "etat", "postal_code": "61000", "city": "Alençon", "cites": [ALENCON]},
    {"name": PREF_VAL_DE_MARNE, "kind": "etat", "postal_code": "94000", "city": "Créteil", "cites": [VALENTON]},
    {"name": VILLE_VALENTON, "kind": "collectivite", "postal_code": "94460", "city": "Valenton",
     "cites": [VALENTON]},
    {"name": DSDEN_VAL_DE_MARNE, "kind": "etat", "postal_code": "94000", "city": "Créteil", "cites": [VALENTON]},
    {"name": COLLEGE_FLAGON, "kind": "etablissement", "postal_code": "94460", "city": "Valenton",
     "cites": [VALENTON]},
    # Partner associations (fictional; SIRET with a valid Luhn key, RNA W + 9 digits)
    {"name": ALES_REUSSITE, "kind": "association", "siret": "83012001100010", "rna": "W302001101",
     "postal_code": "30100", "city": "Alès", "email": "contact@ales-reussite.example.org", "cites": [ALES]},
    {"name": "Centre social Les Cévennes", "kind": "association", "siret": "83012002200017", "rna": "W302001102",
     "postal_code": "30100", "city": "Alès", "email": "accueil@cs-cevennes.example.org", "cites": [ALES]},
    {"name": "Compagnie théâtrale du Gardon", "kind": "association", "siret": "83012003300014",
     "rna": "W302001103", "postal_code": "30110", "city": "La Grand-Combe",
     "email": "compagnie@theatre-gardon.example.org", "cites": [ALES]},
    {"name": "Club Sciences et Curiosité", "kind": "association", "siret": "83012004400011", "rna": "W302001104",
     "postal_code": "30340", "city": "Salindres", "email": "bonjour@sciences-curiosite.example.org",
     "cites": [ALES]},
    {"name": "Association Perseigne Ensemble", "kind": "association", "siret": "86112001100015",
     "rna": "W612001101", "postal_code": "61000", "city": "Alençon",
     "email": "contact@perseigne-ensemble.example.org", "cites": [ALENCON]},
    {"name": "Compagnie Point d'Alençon", "kind": "association", "siret": "86112002200012", "rna": "W612001102",
     "postal_code": "61000", "city": "Alençon", "email": "cie@point-alencon.example.org", "cites": [ALENCON]},
    {"name": "Association Valenton Réussite", "kind": "association", "siret": "89412001100016",
     "rna": "W943001101", "postal_code": "94460", "city": "Valenton",
     "email": "contact@valenton-reussite.example.org", "cites": [VALENTON]},
    {"name": "Ludothèque Les Petits Pas", "kind": "association", "siret": "89412002200013", "rna": "W943001102",
     "postal_code": "94460", "city": "Valenton", "email": "ludotheque@petits-pas.example.org",
     "cites": [VALENTON]},
]  # fmt: skip


# --- Conventions -------------------------------------------------------------------------
# Looked up by (cité, title). signatories: (organisation, person_title, person_name);
# commitments: {funder: {year: amount}}.
CONVENTIONS = [
    {
        "cite": ALES,
        "kind": "cadre",
        "title": "Convention-cadre de la Cité éducative d'Alès Agglomération",
        "status": "signed",
        "signed_on": D(2025, 10, 27),
        "start_date": D(2025, 9, 1),
        "end_date": D(2028, 8, 31),
        "notes": "Convention tripartite signée le 27 octobre 2025 ; 270 000 € par an.",
        "signatories": [
            (PREF_GARD, "Préfet du Gard", "Laurent Vidal"),
            (ALES_AGGLO, "Président d'Alès Agglomération", "Bernard Castanier"),
            (
                RECTORAT_MONTPELLIER,
                "Rectrice de la région académique Occitanie, rectrice de l'académie de Montpellier",
                "Françoise Aubanel",
            ),
        ],
        "commitments": {
            ANCT: dict.fromkeys((2025, 2026, 2027), Decimal("175000.00")),
            MEN: dict.fromkeys((2025, 2026, 2027), Decimal("15000.00")),
            ALES_AGGLO: dict.fromkeys((2025, 2026, 2027), Decimal("80000.00")),
        },
    },
    {
        "cite": ALENCON,
        "kind": "cadre",
        "title": "Convention-cadre de la Cité éducative d'Alençon – Perseigne",
        "status": "ended",
        "signed_on": D(2022, 9, 15),
        "start_date": D(2022, 9, 1),
        "end_date": D(2024, 12, 31),
        "notes": "Dotation annuelle de 215 000 €. Données de démonstration : date de signature fictive.",
        "signatories": [
            (PREF_ORNE, "Préfet de l'Orne", "Olivier Marchand"),
            (CU_ALENCON, "Président de la Communauté urbaine d'Alençon", "Gérard Lebrun"),
            (DSDEN_ORNE, "Directrice académique des services de l'Éducation nationale de l'Orne", "Anne Courtois"),
        ],
        "commitments": {
            ANCT: dict.fromkeys((2022, 2023, 2024), Decimal("150000.00")),
            CU_ALENCON: dict.fromkeys((2022, 2023, 2024), Decimal("50000.00")),
            MEN: dict.fromkeys((2022, 2023, 2024), Decimal("15000.00")),
        },
    },
    {
        "cite": VALENTON,
        "kind": "cadre",
        "title": "Convention-cadre de la Cité éducative de Valenton",
        "status": "ended",
        "signed_on": D(2022, 6, 20),
        "start_date": D(2022, 1, 1),
        "end_date": D(2024, 12, 31),
        "notes": (
            "Financement de 475 000 € sur la durée du label (première année incomplète). "
            "Données de démonstration : date de signature fictive."
        ),
        "signatories": [
            (PREF_VAL_DE_MARNE, "Préfet du Val-de-Marne", "Jean-Marc Ferrier"),
            (VILLE_VALENTON, "Maire de Valenton", "Sylvie Darras"),
            (
                DSDEN_VAL_DE_MARNE,
                "Directeur académique des services de l'Éducation nationale du Val-de-Marne",
                "Pascal Hervieu",
            ),
        ],
        "commitments": {
            ANCT: {2022: Decimal("125000.00"), 2023: Decimal("175000.00"), 2024: Decimal("175000.00")},
        },
    },
    {
        "cite": VALENTON,
        "kind": "fonds",
        "title": "Convention Fonds de la cité – collège Fernande-Flagon",
        "status": "ended",
        "signed_on": D(2022, 7, 8),
        "start_date": D(2022, 7, 1),
        "end_date": D(2023, 8, 31),
        "notes": (
            "Convention de subvention entre le préfet délégué pour l'égalité des chances et le collège "
            "chef de file (juillet 2022). Chaque dépense est votée par le conseil d'administration du "
            "collège, après vérification de l'absence de conflit d'intérêts. "
            "Données de démonstration : jour de signature fictif."
        ),
        "signatories": [
            (PREF_VAL_DE_MARNE, "Préfet délégué pour l'égalité des chances", "Karim Belhadj"),
            (COLLEGE_FLAGON, "Principal du collège Fernande-Flagon", "Éric Vasseur"),
        ],
        "commitments": {},
    },
]

# --- Accounts ----------------------------------------------------------------------------
# memberships: (role, target) where target is a cité slug (coordinator, pilot), a
# département code (prefecture) or an organisation name (partner).
ACCOUNTS = [
    {
        "email": "admin@example.org",
        "full_name": "Claire Dumont",
        "job_title": "Équipe nationale des cités éducatives",
        "is_staff": True,
        "is_superuser": True,
        "memberships": [],
    },
    {
        "email": "coordination.ales@example.org",
        "full_name": "Camille Ferrand",
        "job_title": "Cheffe de projet opérationnelle",
        "memberships": [("coordinator", ALES)],
    },
    {
        "email": "troika.ales@example.org",
        "full_name": "Hélène Marchetti",
        "job_title": "Déléguée du préfet",
        "memberships": [("pilot", ALES)],
    },
    {
        "email": "prefecture.gard@example.org",
        "full_name": "Julien Roux",
        "job_title": "Chargé de mission politique de la ville",
        "memberships": [("prefecture", "30")],
    },
    {
        "email": "partenaire.ales@example.org",
        "full_name": "Sofia Benali",
        "job_title": "Directrice",
        "memberships": [("partner", ALES_REUSSITE)],
    },
    {
        "email": "coordination.alencon@example.org",
        "full_name": "Thomas Guérin",
        "job_title": "Chef de projet opérationnel",
        "memberships": [("coordinator", ALENCON)],
    },
    {
        "email": "coordination.valenton@example.org",
        "full_name": "Nadia Lefèvre",
        "job_title": "Cheffe de projet opérationnelle",
        "memberships": [("coordinator", VALENTON)],
    },
    {
        "email": "prefecture.valdemarne@example.org",
        "full_name": "Isabelle Morel",
        "job_title": "Chargée de mission politique de la ville",
        "memberships": [("prefecture", "94")],
    },
]
