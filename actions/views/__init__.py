"""Views of calls for projects and proposals, one module per side of the work:

- :mod:`.calls`: public call pages, the coordination's calls, a new proposal;
- :mod:`.proposals`: what the porteur edits (fiche, budget, indicators, attachments, bilan);
- :mod:`.instruction`: the list, the action page, transitions, opinions, notes, messages;
- :mod:`.signup`: partner sign-up from a call and join requests;
- :mod:`.exports`: the filtered list as CSV/XLSX.

Every object comes from :func:`accounts.scope.get_visible_or_404` (404 outside the scope,
403 for the wrong role). Writes go through :mod:`actions.services`, whose role refusal
(:class:`core.permissions.NotAllowed`) is the 403 page.
"""
