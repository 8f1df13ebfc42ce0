"""Reading the querystring, and the years the portal covers."""

MIN_YEAR, MAX_YEAR = 2019, 2100  # the first cités éducatives were labelled in 2019


def int_param(params, name):
    """``?cite=12`` → ``12``; absent, empty or not a whole number → ``None``."""
    value = params.get(name, "")
    return int(value) if value.isdigit() else None


def is_portal_year(year):
    return year is not None and MIN_YEAR <= year <= MAX_YEAR
