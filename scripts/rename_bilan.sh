#!/usr/bin/env bash
# The bilan vs the PDF: the porteur's end-of-year bilan of an action is `Bilan` in code
# (it was `ActionReport`, and "report" everywhere around it); the generated PDF document
# `pilotage.Report` keeps its name. French UI wording is untouched.
#
# Idempotent: re-run it on top of another branch (after merging) to rename the new uses.
# Migrations are never rewritten (actions/migrations/0008_rename_actionreport_bilan.py
# does the schema change). Kept on purpose (the workflow's verb, stored values):
# the transition step "report" (TRANSITIONS key, /statut/report/, demo steps),
# services.report_action (named after its step like submit_action, close_action),
# the status value "reported"/S.REPORTED, the e-mail event "reported", and the figures
# reported_girls/_boys/_qpv/_total ("reported in the bilans").
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

# 1. Files that move (only if still at their old place).
mv_if() { if [ -e "$1" ] && [ ! -e "$2" ]; then git mv "$1" "$2"; fi; }
mv_if actions/models/reports.py actions/models/bilans.py
mv_if templates/actions/action_report.html templates/actions/action_bilan.html
mv_if templates/actions/includes/_report.html templates/actions/includes/_bilan.html
mv_if tests/actions/test_report.py tests/actions/test_bilan.py
mv_if tests/actions/test_report_rules.py tests/actions/test_bilan_rules.py

# 2. Names. Global rules are unambiguous identifiers; the bare word `report` (a variable,
# a field, the context name) only changes in the files where it can only mean the bilan
# ($bilan_file below), and there only outside quotes ("report" is the transition step).
git ls-files -z -- '*.py' '*.html' '*.txt' '*.md' '*.js' \
    ':!:*/migrations/*' ':!:scripts/rename_*.sh' \
  | xargs -0 perl -pi -e '
      BEGIN { $bilan_re = qr{^(actions/|templates/actions/|tests/actions/|demo/(.*/)?actions\w*\.py$|tests/dashboards/(conftest|expected|test_cite_dashboard)\.py$|tests/financements/test_ledger_properties\.py$)} }
      my $bilan_file = $ARGV =~ $bilan_re;
      # classes: model, queryset, form, admin
      s/\bActionReport/Bilan/g;
      s/\bactions_actionreport_/actions_bilan_/g;             # admin URL names
      s/\b(add|change|delete|view)_actionreport\b/$1_bilan/g;  # permission codenames
      # modules, templates
      s{\bmodels/reports\.py\b}{models/bilans.py}g;
      s/\bfrom \.reports import (Bilan|BeneficiaryCount)/from .bilans import $1/g;
      s{\bactions/action_report\.html\b}{actions/action_bilan.html}g;
      s{\bactions/includes/_report\.html\b}{actions/includes/_bilan.html}g;
      s/\btest_report(_rules)?\b/test_bilan$1/g;              # test modules
      # URL names, views, services, permissions, fields
      s/\bactions:report(?![\w-])/actions:bilan/g;
      s/\baction_report\b/action_bilan/g;
      s/allow_early_report\b/allow_early_bilan/g;               # + can_allow_, actions:allow_
      s/\bearly_report_allowed/early_bilan_allowed/g;           # Action fields (_by, _at)
      s/\bEARLY_REPORT_STATUSES\b/EARLY_BILAN_STATUSES/g;
      s/\b_check_report\b/_check_bilan/g;
      s/\breport_opens_(on|message)\b/bilan_opens_$1/g;
      s/\bsave_report\b/save_bilan/g;
      s/\bcan_fill_report\b/can_fill_bilan/g;
      s/\bcomplete_report\b/complete_bilan/g;                   # test factory
      s/\bload_report\b/load_bilan/g;                           # demo loader
      s/\btest_the_journey_report_then_close\b/test_the_journey_bilan_then_close/g;
      # the relation: Action.bilan (related_name) and BeneficiaryCount.bilan (FK)
      s/\breport__(?=\w)/bilan__/g;
      s/\breport=(?!=)/bilan=/g;
      s/\b(hasattr|getattr)\((\w+), "report"/$1($2, "bilan"/g;
      if ($ARGV eq "pilotage/stats.py") { s/\breport\b(?= = reported\.get|\["| else)/bilan/g; }
      if ($ARGV eq "actions/models/bilans.py") { s/"report"/"bilan"/g; }
      if ($ARGV eq "actions/urls.py") { s/\bname="report"/name="bilan"/g; }
      if ($ARGV eq "tests/actions/test_scoping.py") { s/\("get", "report"\)/("get", "bilan")/g; }
      if ($ARGV =~ m{^demo/scale/actions\w*\.py$}) { s/\breports\b/bilans/g; }
      if ($bilan_file) {
          s/(?<!["\x27])(?<!evaluation )\breport\b(?!["\x27])/bilan/g;
          s/\breport_(id|url|data|form)\b/bilan_$1/g;
          s/"report": bilan\b/"bilan": bilan/g;                 # context / lookup dicts
      }
    '
# Bilan sorts before other imported names (isort), and longer lines are reformatted.
git diff --name-only -z -- '*.py' | xargs -0 -r "${RUFF:-.venv/bin/ruff}" check -q --select I001 --fix-only
git diff --name-only -z -- '*.py' | xargs -0 -r "${RUFF:-.venv/bin/ruff}" format -q
