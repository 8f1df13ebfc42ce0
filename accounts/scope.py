"""The scoping layer: what a user may see, computed once from their memberships.

Every queryset of every view starts from ``Model.objects.visible_to(user)``, whose
implementation reads the user's :class:`Scope`. Objects outside the scope answer 404;
inside the scope but with the wrong role, 403 (see :mod:`accounts.decorators`).

Every view gets its objects through :func:`get_visible_or_404`, the one fetch entry
point (``tests/test_fetch_entry_point.py`` scans the view modules for any other way).
"""

from dataclasses import dataclass, field

from django.db.models import Model, Q
from django.http import Http404

from core.permissions import DEFAULT_REFUSAL, NotAllowed

from .models import Membership, Role


@dataclass(frozen=True)
class Scope:
    is_authenticated: bool = False
    is_admin: bool = False
    coordinator_cites: frozenset = field(default_factory=frozenset)
    pilot_cites: frozenset = field(default_factory=frozenset)
    departements: frozenset = field(default_factory=frozenset)
    organisations: frozenset = field(default_factory=frozenset)
    referent_organisations: frozenset = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user):
        """The user's scope, cached on the user object (one query per request)."""
        if user is None or not user.is_authenticated:
            return cls()
        cached = getattr(user, "_portail_scope", None)
        if cached is not None:
            return cached
        coordinator, pilot, departements, organisations, referent = set(), set(), set(), set(), set()
        rows = Membership.objects.filter(user=user, is_active=True).values_list(
            "role", "cite_id", "departement", "organisation_id", "is_referent"
        )
        for role, cite_id, departement, organisation_id, is_referent in rows:
            if role == Role.COORDINATOR:
                coordinator.add(cite_id)
            elif role == Role.PILOT:
                pilot.add(cite_id)
            elif role == Role.PREFECTURE:
                departements.add(departement)
            elif role == Role.PARTNER:
                organisations.add(organisation_id)
                if is_referent:
                    referent.add(organisation_id)
        scope = cls(
            is_authenticated=True,
            is_admin=user.is_superuser,
            coordinator_cites=frozenset(coordinator),
            pilot_cites=frozenset(pilot),
            departements=frozenset(departements),
            organisations=frozenset(organisations),
            referent_organisations=frozenset(referent),
        )
        user._portail_scope = scope
        return scope

    # --- what kind of user ------------------------------------------------------------
    @property
    def roles(self):
        roles = set()
        if self.is_admin:
            roles.add("admin")
        if self.coordinator_cites:
            roles.add(Role.COORDINATOR)
        if self.pilot_cites:
            roles.add(Role.PILOT)
        if self.departements:
            roles.add(Role.PREFECTURE)
        if self.organisations:
            roles.add(Role.PARTNER)
        return roles

    @property
    def cite_ids(self):
        """Cités reached through a cité membership (not through a département)."""
        return self.coordinator_cites | self.pilot_cites

    @property
    def is_staff_of_some_cite(self):
        """Admin, coordinator, pilot or préfecture: someone who reads cité management pages."""
        return self.is_admin or bool(self.cite_ids or self.departements)

    @property
    def is_partner_only(self):
        return bool(self.organisations) and not self.is_staff_of_some_cite

    # --- decisions on one cité (no query: the cité is already loaded) -----------------
    def can_read_cite(self, cite):
        return self.is_admin or cite.pk in self.cite_ids or cite.departement in self.departements

    def can_manage_cite(self, cite):
        return self.is_admin or cite.pk in self.coordinator_cites

    def roles_for_cite(self, cite):
        roles = set()
        if self.is_admin:
            roles.add("admin")
        if cite.pk in self.coordinator_cites:
            roles.add(Role.COORDINATOR)
        if cite.pk in self.pilot_cites:
            roles.add(Role.PILOT)
        if cite.departement in self.departements:
            roles.add(Role.PREFECTURE)
        return roles

    # --- decisions on one organisation ------------------------------------------------
    def can_manage_members(self, organisation_id):
        """Who adds and removes an organisation's members: its référents and the national
        administration, never a cité's coordinator (access is granted by whoever holds it)."""
        return self.is_admin or organisation_id in self.referent_organisations

    def cite_filter(self, prefix=""):
        """Q selecting the cités this scope reads; ``prefix`` is the path to the cité
        (``"cite__"`` for a model with a ``cite`` foreign key, ``""`` for Cite itself)."""
        if self.is_admin:
            return Q()
        return Q(**{f"{prefix}id__in": self.cite_ids}) | Q(**{f"{prefix}departement__in": self.departements})

    def managed_cite_filter(self, prefix=""):
        """Q selecting the cités this scope manages (coordinator or admin)."""
        if self.is_admin:
            return Q()
        return Q(**{f"{prefix}id__in": self.coordinator_cites})


def get_visible_or_404(who, model_or_queryset, /, *, allowed=None, refusal=None, **lookups):
    """The object matching ``lookups`` among those ``who`` may see, for every view.

    ``who`` is the request or the user; ``model_or_queryset`` a model or a queryset of it
    (to add ``select_related``, ``published()``…), always narrowed by the model's
    ``visible_to(user)``. Outside the scope (or no such object) → :class:`Http404`.
    ``allowed(user, obj)``, when given, is the role check: false → :class:`NotAllowed`
    (403) with ``refusal``, else the predicate's own (:func:`core.permissions.refusal`),
    raised only once the object is known to be visible: a 403 never reveals an object the
    user may not see.
    """
    user = getattr(who, "user", who)
    if isinstance(model_or_queryset, type) and issubclass(model_or_queryset, Model):
        queryset = model_or_queryset._default_manager.all()
    else:
        queryset = model_or_queryset
    model = queryset.model
    try:
        obj = queryset.visible_to(user).get(**lookups)
    except model.DoesNotExist:
        raise Http404(f"Aucun objet « {model._meta.verbose_name} » ne correspond.") from None
    if allowed is not None and not allowed(user, obj):
        raise NotAllowed(refusal or getattr(allowed, "refusal", DEFAULT_REFUSAL))
    return obj
