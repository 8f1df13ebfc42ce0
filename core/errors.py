"""The error every app's services raise when they refuse an operation."""


class OperationRefused(Exception):
    """An operation refused with a French ``message`` and, for the ones that check many
    rows at once, the list of ``problems``; nothing was changed. Each app's services
    subclass it (``TransitionError``, ``FundingError``, ``DecisionError``), and their
    « not allowed » subclasses are what views answer with a 403."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
