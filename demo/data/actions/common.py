"""What the demo actions of every cité share: the organisations, QPVs and schools they
name, the partner accounts that author their timelines, the cités' coordinators, and the
``at()``, ``action()`` and ``team()`` helpers of the data modules."""

import datetime

from demo.data.cites import ALENCON, ALES, VALENTON

D = datetime.date

CEVENNES = "Centre social Les Cévennes"
THEATRE = "Compagnie théâtrale du Gardon"
SCIENCES = "Club Sciences et Curiosité"
PERSEIGNE = "Association Perseigne Ensemble"
POINT_ALENCON = "Compagnie Point d'Alençon"
VALENTON_REUSSITE = "Association Valenton Réussite"
PETITS_PAS = "Ludothèque Les Petits Pas"

# QPVs and schools of the perimeters (see demo.data.cites)
PRES_ST_JEAN, CAUVEL, TAMARIS, ROCHEBELLE, TRESCOL = "QN03021C", "QN03022D", "QN03023E", "QN03024F", "QN03025G"
JEAN_MOULIN, MAT_PSJ, ELEM_PSJ, ELEM_CAUVEL = "0300901S", "0300902T", "0300903U", "0300904V"
COLLEGE_GRAND_COMBE, LYCEE_ALES, ELEM_SALINDRES = "0300905W", "0300906X", "0300907Y"

# One partner account per demo association that has none in demo.data.cites, so that
# every step of the timelines has an author. Same demo password.
PARTNER_ACCOUNTS = [
    ("contact.cevennes@example.org", "Karim Haddad", "Directeur du centre social", CEVENNES),
    ("contact.theatre-gardon@example.org", "Lucie Pellet", "Chargée de production", THEATRE),
    ("contact.sciences@example.org", "Mathieu Roussel", "Animateur scientifique", SCIENCES),
    ("contact.perseigne@example.org", "Aïcha Diallo", "Coordinatrice", PERSEIGNE),
    ("contact.point-alencon@example.org", "Pierre Lemaître", "Metteur en scène", POINT_ALENCON),
    ("contact.valenton-reussite@example.org", "Samir Bouzid", "Directeur", VALENTON_REUSSITE),
    ("contact.petits-pas@example.org", "Émilie Caron", "Ludothécaire", PETITS_PAS),
]

COORDINATORS = {
    ALES: "coordination.ales@example.org",
    ALENCON: "coordination.alencon@example.org",
    VALENTON: "coordination.valenton@example.org",
}
PILOT_ALES = "troika.ales@example.org"


def at(day, hour=10, minute=0):
    """A Paris date-time, for the calls and the timelines."""
    from zoneinfo import ZoneInfo

    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


def action(title, porteur, call, status, **fields):
    """One demo action; see the module docstring and ``demo.actions`` for the keys."""
    return {"title": title, "porteur": porteur, "call": call, "status": status, **fields}


def team(girls, boys):
    return {"expected_participants": girls + boys, "expected_girls": girls, "expected_boys": boys}
