"""The ground steps of ``python manage.py load_demo`` (demo/management/commands):
the demo cités, their perimeter, partners, conventions and demo accounts.

Idempotent: every object is looked up by its natural key (INSEE code, QPV code, UAI,
SIRET or name, slug, e-mail…), created when missing, brought back to the demo values
when it differs, and left untouched (no save, no history row) when it already matches.
Every object is validated with ``full_clean()`` before it is saved, and the whole load
runs in one transaction: a bad code aborts everything with a readable error.

The data lives in ``demo/data/``. The other steps (actions, funding, meetings:
``demo/actions.py``, ``demo/financements.py``, ``demo/pilotage.py``) are built with
``upsert()``, ``add_links()`` and the ``cite()``/``organisation()``… look-ups of this
module; the command runs them all in order.
"""

from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import Sum

from accounts.models import Membership, Role, User
from cites.models import (
    Cite,
    Commune,
    Convention,
    ConventionCommitment,
    LocalAxis,
    Organisation,
    PriorityArea,
    School,
    Signatory,
)
from demo.data import cites as data


# --- Bookkeeping and generic helpers -----------------------------------------------------
class Tally:
    """What a load did, per model: created, updated, unchanged; plus links added. It
    counts objects, not writes: an object created by this load and completed later in it
    (a bilan filled in after the action started) counts once, as created."""

    def __init__(self):
        self.created = Counter()
        self.updated = Counter()
        self.unchanged = Counter()
        self.links = 0
        self.created_now = set()

    def record(self, model, outcome, obj=None):
        key = (model._meta.label, obj.pk if obj is not None else None)
        if outcome == "created" and obj is not None:
            self.created_now.add(key)
        elif outcome == "updated" and obj is not None and key in self.created_now:
            return
        getattr(self, outcome)[model._meta.verbose_name_plural] += 1


def validate(obj):
    """full_clean() the object; a failure becomes a CommandError naming the object."""
    try:
        obj.full_clean()
    except ValidationError as error:
        details = "; ".join(f"{field} : {' '.join(messages)}" for field, messages in error.message_dict.items())
        raise CommandError(
            f"Donnée de démonstration invalide ({obj._meta.verbose_name} « {obj} ») : {details}"
        ) from None


def upsert(tally, model, lookup, **values):
    """Find the object by its natural key ``lookup``; create it, or update the fields that
    differ from ``values``. Validates before saving; saves only when something changed."""
    obj = model._default_manager.filter(**lookup).order_by("pk").first()
    if obj is None:
        obj = model(**lookup, **values)
        outcome = "created"
    else:
        changed = {field: value for field, value in values.items() if getattr(obj, field) != value}
        if not changed:
            tally.record(model, "unchanged")
            return obj
        for field, value in changed.items():
            setattr(obj, field, value)
        outcome = "updated"
    validate(obj)
    obj.save()
    tally.record(model, outcome, obj)
    return obj


def add_links(tally, related_manager, objects):
    """Add the missing many-to-many links (never removes links made by users)."""
    existing = set(related_manager.values_list("pk", flat=True))
    missing = [obj for obj in objects if obj.pk not in existing]
    if missing:
        related_manager.add(*missing)
        tally.links += len(missing)


# --- Look-ups by natural key -------------------------------------------------------------
def commune(insee_code):
    return Commune.objects.get(insee_code=insee_code)


def priority_area(code):
    return PriorityArea.objects.get(code=code)


def school(uai):
    return School.objects.get(uai=uai)


def cite(slug):
    return Cite.objects.get(slug=slug)


def organisation_lookup(spec):
    return {"siret": spec["siret"]} if spec.get("siret") else {"name": spec["name"]}


def organisation(name):
    """The demo organisation called ``name`` (found by SIRET when it has one)."""
    spec = next(spec for spec in data.ORGANISATIONS if spec["name"] == name)
    return Organisation.objects.filter(**organisation_lookup(spec)).order_by("pk").first()


# --- Steps -------------------------------------------------------------------------------
def load_territories(tally):
    """Communes, QPVs and schools (public reference data)."""
    for insee_code, name, departement in data.COMMUNES:
        upsert(tally, Commune, {"insee_code": insee_code}, name=name, departement=departement)
    for code, name, insee_codes in data.PRIORITY_AREAS:
        area = upsert(tally, PriorityArea, {"code": code}, name=name)
        add_links(tally, area.communes, [commune(insee) for insee in insee_codes])
    for uai, (name, kind, education_priority, pupils, insee_code) in data.SCHOOLS.items():
        upsert(
            tally,
            School,
            {"uai": uai},
            name=name,
            kind=kind,
            education_priority=education_priority,
            pupils=pupils,
            commune=commune(insee_code),
        )


PERIMETER_KEYS = ("slug", "lead_school", "communes", "priority_areas", "schools")


def load_cites(tally):
    """Cités, their perimeter (communes, QPVs, schools) and their local axes."""
    for spec in data.CITES:
        values = {key: value for key, value in spec.items() if key not in PERIMETER_KEYS}
        values["lead_school"] = school(spec["lead_school"]) if spec.get("lead_school") else None
        the_cite = upsert(tally, Cite, {"slug": spec["slug"]}, **values)
        add_links(tally, the_cite.communes, [commune(code) for code in spec["communes"]])
        add_links(tally, the_cite.priority_areas, [priority_area(code) for code in spec["priority_areas"]])
        add_links(tally, the_cite.schools, [school(uai) for uai in spec["schools"]])
    for slug, axes in data.AXES.items():
        the_cite = cite(slug)
        for code, objective, title, description in axes:
            upsert(
                tally,
                LocalAxis,
                {"cite": the_cite, "code": code},
                national_objective=objective,
                parent=None,
                title=title,
                description=description,
            )


def load_organisations(tally):
    """Funders, signatories and partner associations, linked to the cités they work in."""
    for spec in data.ORGANISATIONS:
        lookup = organisation_lookup(spec)
        values = {
            "name": spec["name"],
            "kind": spec["kind"],
            "is_funder": spec.get("is_funder", False),
            "rna": spec.get("rna", ""),
            "address": spec.get("address", ""),
            "postal_code": spec.get("postal_code", ""),
            "city": spec.get("city", ""),
            "email": spec.get("email", ""),
        }
        for key in lookup:
            values.pop(key, None)
        org = upsert(tally, Organisation, lookup, **values)
        add_links(tally, org.cites, [cite(slug) for slug in spec["cites"]])


def load_conventions(tally):
    """Conventions with their signatories and yearly commitments per funder."""
    for spec in data.CONVENTIONS:
        the_cite = cite(spec["cite"])
        convention = upsert(
            tally,
            Convention,
            {"cite": the_cite, "title": spec["title"]},
            kind=spec["kind"],
            status=spec["status"],
            signed_on=spec["signed_on"],
            start_date=spec["start_date"],
            end_date=spec["end_date"],
            notes=spec["notes"],
        )
        for org_name, person_title, person_name in spec["signatories"]:
            org = organisation(org_name)
            upsert(
                tally,
                Signatory,
                {"convention": convention, "organisation": org, "person_title": person_title},
                person_name=person_name,
            )
            add_links(tally, org.cites, [the_cite])
        for funder_name, amounts in spec["commitments"].items():
            funder = organisation(funder_name)
            add_links(tally, funder.cites, [the_cite])
            for year, amount in amounts.items():
                upsert(
                    tally,
                    ConventionCommitment,
                    {"convention": convention, "funder": funder, "year": year},
                    amount=amount,
                )


def membership_target(role, target):
    if role in (Role.COORDINATOR, Role.PILOT):
        return {"cite": cite(target), "departement": "", "organisation": None}
    if role == Role.PREFECTURE:
        return {"cite": None, "departement": target, "organisation": None}
    return {"cite": None, "departement": "", "organisation": organisation(target)}


def upsert_user(tally, email, **values):
    """The demo user ``email`` with these values and the demo password (reset when it no
    longer matches); saved only when something changed."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user, outcome = User(email=email, **values), "created"
        user.set_password(data.PASSWORD)
    else:
        changed = {field: value for field, value in values.items() if getattr(user, field) != value}
        password_ok = user.check_password(data.PASSWORD)
        outcome = "updated" if changed or not password_ok else "unchanged"
        for field, value in changed.items():
            setattr(user, field, value)
        if not password_ok:
            user.set_password(data.PASSWORD)
    if outcome != "unchanged":
        validate(user)
        user.save()
    tally.record(User, outcome)
    return user


def load_accounts(tally):
    """Demo users (password ``data.PASSWORD``, reset on every run) and their memberships."""
    for spec in data.ACCOUNTS:
        user = upsert_user(
            tally,
            spec["email"],
            full_name=spec["full_name"],
            job_title=spec.get("job_title", ""),
            is_staff=spec.get("is_staff", False),
            is_superuser=spec.get("is_superuser", False),
            is_active=True,
        )
        for role, target in spec["memberships"]:
            # A demo organisation's partner is its référent: the one who adds its other members.
            lookup = {"user": user, "role": role, **membership_target(role, target)}
            upsert(tally, Membership, lookup, is_active=True, is_referent=role == Role.PARTNER)


STEPS = [load_territories, load_cites, load_organisations, load_conventions, load_accounts]


# --- Summary -----------------------------------------------------------------------------
def euros(amount):
    return f"{amount:,.0f}".replace(",", " ") + " €"


def target_label(role, target):
    if role in (Role.COORDINATOR, Role.PILOT):
        return cite(target).name
    if role == Role.PREFECTURE:
        return f"département {target}"
    return target


def summary_lines(tally):
    lines = ["Données de démonstration chargées :"]
    for spec in data.CITES:
        the_cite = cite(spec["slug"])
        lines.append(
            f"- {the_cite.name} ({the_cite.code}, {the_cite.departement} – {the_cite.departement_name}) : "
            f"{the_cite.communes.count()} commune(s), {the_cite.priority_areas.count()} QPV, "
            f"{the_cite.schools.count()} établissement(s), {the_cite.axes.count()} axe(s) local(aux), "
            f"{the_cite.organisations.count()} organisation(s), {the_cite.conventions.count()} convention(s)"
        )
        by_year = defaultdict(int)
        for row in (
            ConventionCommitment.objects.filter(convention__cite=the_cite).values("year").annotate(total=Sum("amount"))
        ):
            by_year[row["year"]] += row["total"]
        if by_year:
            years = " · ".join(f"{year} : {euros(by_year[year])}" for year in sorted(by_year))
            lines.append(f"  engagements : {years} (total : {euros(sum(by_year.values()))})")
    lines.append(f"Comptes de démonstration (mot de passe « {data.PASSWORD} ») :")
    for spec in data.ACCOUNTS:
        roles = [f"{Role(role).label} – {target_label(role, target)}" for role, target in spec["memberships"]]
        if spec.get("is_superuser"):
            roles.insert(0, "administration nationale (superutilisateur)")
        lines.append(f"- {spec['email']} : {', '.join(roles)}")
    lines.append(
        f"Objets créés : {sum(tally.created.values())}, mis à jour : {sum(tally.updated.values())}, "
        f"inchangés : {sum(tally.unchanged.values())} ; liens ajoutés : {tally.links}."
    )
    return lines
