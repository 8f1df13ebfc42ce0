import pytest

from actions.models import Action

from .factories import ActionFactory


@pytest.fixture
def make_action(world):
    """``make_action(status=..., side="a", **fields)``: a complete action of cité A (or B),
    carried by that cité's partner organisation."""

    def _make(status=Action.Status.DRAFT, side="a", **fields):
        cite_world = getattr(world, side)
        fields.setdefault("complete", True)
        return ActionFactory(call__cite=cite_world.cite, porteur=cite_world.organisation, status=status, **fields)

    return _make
