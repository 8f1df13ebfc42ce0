"""Cités, their perimeter (commune, QPVs, schools), organisations, axes and accounts."""

import datetime

from accounts.models import Membership, Role, User
from cites.models import Cite, Commune, LocalAxis, Organisation, PriorityArea, School
from cites.validators import uai_check_letter

from .base import BATCH, DEPTS, EMAIL_DOMAIN, PREFIX, THEMES


def _cite_rows(c, i):
    """(cité, commune, [2 QPVs], [4 schools]) of cité n° ``i`` (unsaved)."""
    rng, gen = c.rng, c.gen
    dept = DEPTS[rng.randrange(len(DEPTS))]
    k = gen.dept_counter[dept] = gen.dept_counter.get(dept, -1) + 1
    code = f"SC{i + 1:04d}"
    label_year = c.years[0] - rng.randrange(0, 3)
    cite = Cite(
        name=f"Cité éducative {THEMES[i % len(THEMES)].split()[0]} n° {i + 1}",
        slug=f"{PREFIX}{i + 1:04d}",
        code=code,
        departement=dept,
        label_year=label_year,
        label_start=datetime.date(label_year, 9, 1),
        label_end=datetime.date(c.last + 2, 8, 31),
    )
    commune = Commune(insee_code=f"{dept}{800 + k % 200:03d}", name=f"Commune {code}", departement=dept)
    qpvs = [
        PriorityArea(code=f"QN0{dept}{(2 * k + j) % 100:02d}{'YZ'[j]}", name=f"Quartier {code}-{j + 1}") for j in (0, 1)
    ]
    schools = [
        School(
            uai=f"0{dept}{9000 + 4 * k + j:04d}" + uai_check_letter(f"0{dept}{9000 + 4 * k + j:04d}"),
            name=f"{'Collège' if j == 0 else 'École'} {code}-{j + 1}",
            kind=School.Kind.COLLEGE if j == 0 else School.Kind.ECOLE,
            education_priority=School.Priority.REP_PLUS if j == 0 else School.Priority.REP,
            pupils=rng.randrange(150, 700),
            commune=None,
        )
        for j in range(4)
    ]
    return cite, commune, qpvs, schools


def build_territory(c):
    """Sets ``c.cites``, ``c.qpvs`` and ``c.schools`` (per cité, in order)."""
    rows = [_cite_rows(c, i) for i in c.indices]
    c.cites = cites = c.add(Cite, [row[0] for row in rows])
    communes = c.add(Commune, [row[1] for row in rows])
    c.qpvs = [row[2] for row in rows]
    c.schools = [row[3] for row in rows]
    c.add(PriorityArea, [q for pair in c.qpvs for q in pair])
    for commune, group in zip(communes, c.schools, strict=True):
        for school in group:
            school.commune = commune
    c.add(School, [s for group in c.schools for s in group])
    Cite.communes.through.objects.bulk_create(
        [Cite.communes.through(cite=cite, commune=m) for cite, m in zip(cites, communes, strict=True)]
    )
    Cite.priority_areas.through.objects.bulk_create(
        [
            Cite.priority_areas.through(cite=cite, priorityarea=q)
            for cite, pair in zip(cites, c.qpvs, strict=True)
            for q in pair
        ]
    )
    Cite.schools.through.objects.bulk_create(
        [Cite.schools.through(cite=cite, school=s) for cite, group in zip(cites, c.schools, strict=True) for s in group]
    )


def build_organisations(c):
    """One collectivité (funder) and eight associations per cité: ``c.per_cite_orgs``,
    ``c.agglo_of`` (cité id → its collectivité)."""
    organisations, c.per_cite_orgs = [], []
    for cite in c.cites:
        orgs = [Organisation(name=f"Agglomération {cite.code}", kind=Organisation.Kind.COLLECTIVITE, is_funder=True)]
        orgs += [
            Organisation(name=f"Association {THEMES[j % len(THEMES)]} {cite.code}", kind=Organisation.Kind.ASSOCIATION)
            for j in range(8)
        ]
        organisations += orgs
        c.per_cite_orgs.append(orgs)
    c.add(Organisation, organisations)
    through = Organisation.cites.through
    links = [
        through(organisation=o, cite=cite) for cite, orgs in zip(c.cites, c.per_cite_orgs, strict=True) for o in orgs
    ]
    links += [through(organisation=f, cite=cite) for cite in c.cites for f in c.gen.national.values()]
    through.objects.bulk_create(links, batch_size=BATCH)
    c.agglo_of = {cite.pk: orgs[0] for cite, orgs in zip(c.cites, c.per_cite_orgs, strict=True)}


def build_axes(c):
    axes = c.add(
        LocalAxis,
        [
            LocalAxis(cite=cite, national_objective=o, code=f"A{o}", title=f"Axe {o} de {cite.code}")
            for cite in c.cites
            for o in (1, 2, 3)
        ],
    )
    c.axes_by_cite = {}
    for axis in axes:
        c.axes_by_cite.setdefault(axis.cite_id, []).append(axis)


def build_accounts(c):
    """A coordinator and a partner per cité, a préfecture account per new département:
    ``c.coordinator_of`` (cité id → coordinator)."""
    users, memberships, c.coordinator_of = [], [], {}
    for cite, orgs in zip(c.cites, c.per_cite_orgs, strict=True):
        local = cite.code.lower()
        coordinator = User(email=f"coordination.{local}@{EMAIL_DOMAIN}", full_name=f"Coordination {cite.code}")
        c.coordinator_of[cite.pk] = coordinator
        partner = User(email=f"partenaire.{local}@{EMAIL_DOMAIN}", full_name=f"Partenaire {cite.code}")
        users += [coordinator, partner]
        memberships += [
            Membership(user=coordinator, role=Role.COORDINATOR, cite=cite),
            Membership(user=partner, role=Role.PARTNER, organisation=orgs[1], is_referent=True),
        ]
        if cite.departement not in c.gen.prefectures:
            c.gen.prefectures.add(cite.departement)
            prefecture = User(
                email=f"prefecture.{cite.departement}@{EMAIL_DOMAIN}", full_name=f"Préfecture {cite.departement}"
            )
            users.append(prefecture)
            memberships.append(Membership(user=prefecture, role=Role.PREFECTURE, departement=cite.departement))
    for user in users:
        user.password = c.gen.password
    c.add(User, users)
    c.add(Membership, memberships)
