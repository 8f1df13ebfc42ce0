"""French formatting of amounts and dates, for Python code (forms, services, exports) and
for the template filters of :mod:`core.templatetags.formatting`."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip
NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_euros(value):
    """``Decimal("175000")`` → ``175 000,00 €`` (French grouping, two decimals)."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{NBSP.join(groups)},{cents}\u00a0€"


def format_date_fr(value, with_time=False):
    """``date(2025, 10, 27)`` → ``27 octobre 2025`` (``1er`` for the first of a month)."""
    if not value:
        return "—"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        text = format_date_fr(value.date())
        return f"{text} à {value:%H:%M}" if with_time else text
    if isinstance(value, date):
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {MONTHS[value.month - 1]} {value.year}"
    return str(value)


def format_size(size):
    """``1572864`` → ``1,5 Mo`` (French decimal comma; octets and Ko for small sizes)."""
    for unit, factor in (("Mo", 1_048_576), ("Ko", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0").replace(".", ",") + f"\u00a0{unit}"
    return f"{size}\u00a0octets"
