#!/usr/bin/env bash
# One URL namespace per app: `calls:*` (actions/public_urls.py) joins `actions:*`, and
# `dashboards:*` (pilotage/dashboard_urls.py) joins `pilotage:*`. Rewrites every URL name
# used in code, templates and tests. Idempotent: re-run it on top of other branches
# (after merging) to catch the new uses. The urls.py files themselves are not rewritten
# here (see the commit "One URL namespace per app").
#   calls:list            -> actions:public_call_list
#   calls:detail          -> actions:public_call_detail
#   calls:signup          -> actions:signup
#   calls:signup_confirm  -> actions:signup_confirm
#   dashboards:<name>     -> pilotage:dashboard_<name>
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
git ls-files -z -- '*.py' '*.html' '*.txt' '*.md' '*.js' \
    ':!:*/migrations/*' ':!:scripts/rename_*.sh' \
  | xargs -0 perl -pi -e '
      s/(?<![\w\/.-])calls:list\b/actions:public_call_list/g;
      s/(?<![\w\/.-])calls:detail\b/actions:public_call_detail/g;
      s/(?<![\w\/.-])calls:signup_confirm\b/actions:signup_confirm/g;
      s/(?<![\w\/.-])calls:signup\b/actions:signup/g;
      s/(?<![\w\/.-])dashboards:([a-z_]+)\b/pilotage:dashboard_$1/g;
    '
# Longer names may push a line past 120 columns: reformat the Python files touched.
git diff --name-only -z -- '*.py' | xargs -0 -r "${RUFF:-.venv/bin/ruff}" format -q
