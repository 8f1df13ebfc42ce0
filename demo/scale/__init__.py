"""The national-scale generator behind ``python manage.py seed_scale`` (≈ 90 000 actions
with their budgets, funding lines, payments, bilans and meetings), written in bulk.

Deterministic: the same seed gives the same rows, because every step draws from the one
``random.Random`` in the same order. Rows are built one chunk of cités at a time (bounded
memory) and written with ``bulk_create`` in batches, one transaction per chunk: unlike
``load_demo``, it does not go through the domain services (actions.services,
financements.services, pilotage.services), which take row locks and write one object at a
time — far too slow for this volume. It writes states those services could reach:
decided money within the envelopes, payments within the decided amounts, the envelopes'
cached totals equal to their sums, a COPIL decision per programmed or rejected action
(tests/dashboards/test_seed_scale.py checks them on a small sample). History
rows (django-simple-history) and the workflow timelines (action transitions, funding line
transitions) are not generated: they do not feed any dashboard or list figure.

Each cité-year has a spring COPIL that programmed or rejected the proposals (some
deferred to the autumn COPIL), with its decisions recorded and validated and a
programming decision per programmed action; the funding lines carry those decisions'
money. The envelopes' cached totals are refreshed by
:func:`financements.services.refresh_envelope_totals`, chunk by chunk.

The steps, in order: :mod:`.territory` (cités, perimeter, organisations, axes, accounts),
:mod:`.actions` (calls, actions, budgets), :mod:`.meetings` (COPIL decisions),
:mod:`.money` (envelopes, funding lines, payments), :mod:`.actions` again (bilans).
"""
