"""The errors of the money services, and the checks on amounts typed by a user."""

from decimal import Decimal

from core.errors import OperationRefused
from core.formatting import format_euros
from financements.models import ZERO


class FundingError(OperationRefused):
    """A money operation that would break an invariant; nothing was changed."""

    def __str__(self):
        return " ".join([self.message, *self.problems])


def check_amount(value, label):
    """``value`` as a Decimal (None stays None); refused when negative or finer than cents."""
    if value is None:
        return None
    value = Decimal(value)
    if value < 0:
        raise FundingError(f"Le {label} ne peut pas être négatif ({format_euros(value)}).")
    if value != value.quantize(Decimal("0.01")):
        raise FundingError(f"Le {label} compte au plus deux décimales.")
    return value


def overrun_message(envelope, available, asked):
    return (
        f"Enveloppe dépassée : « {envelope} » n'a plus que {format_euros(max(available, ZERO))} disponibles, "
        f"{format_euros(asked)} demandés."
    )
