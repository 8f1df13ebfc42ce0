"""Views of calls for projects and proposals, one module per side of the work:

- :mod:`.calls`: public call pages, the coordination's calls, a new proposal;
- :mod:`.proposals`: what the porteur edits (fiche, budget, indicators, attachments, bilan);
- :mod:`.instruction`: the list, the action page, transitions, opinions, notes, messages;
- :mod:`.signup`: partner sign-up from a call and join requests;
- :mod:`.exports`: the filtered list as CSV/XLSX.

Every action comes from ``Action.objects.visible_to(user)`` (404 outside the scope); the
role check comes after (403). Writes go through :mod:`actions.services`.
"""
