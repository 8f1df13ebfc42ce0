"""The dashboards' figures as spreadsheet tables (cités, départements, régions)."""

from core.spreadsheets import Money

FIGURE_HEADERS = [
    "Enveloppes (€)", "Décidé (€)", "Consommation (%)", "Versé (€)", "Propositions", "Programmées",
    "Bilans reçus", "Dernier COPIL", "Rapports d'évaluation",
]  # fmt: skip


def _figure_cells(row):
    return [
        Money(row["envelope"]),
        Money(row["decided"]),
        row["consumption_rate"],
        Money(row["paid"]),
        row["actions"],
        row["programmed"],
        row["bilans"],
        row["last_copil"],
        row["reports"],
    ]


def cite_table(rows):
    headers = ["Cité éducative", "Département", "Région", *FIGURE_HEADERS]
    return headers, [
        [row["name"], f"{row['departement']} – {row['departement_name']}", row["region"], *_figure_cells(row)]
        for row in rows
    ]


def departement_table(groups):
    headers = ["Département", "Région", "Cités", *FIGURE_HEADERS]
    return headers, [
        [f"{group['key']} – {group['label']}", group["region"], group["cites"], *_figure_cells(group)]
        for group in groups
    ]


def region_table(groups):
    headers = ["Région", "Cités", *FIGURE_HEADERS]
    return headers, [[group["label"], group["cites"], *_figure_cells(group)] for group in groups]
