#!/usr/bin/env bash
# Checks the Debian/Ubuntu libraries the portal needs; installs them when run as root.
#   (no argument)  WeasyPrint's Pango/HarfBuzz, fonts, poppler-utils (PDF text extraction)
#   --browser      Chromium for the browser tests (Debian's package, never a download), and
#                  Node.js with npm, which run the local OpenID Connect provider of the
#                  ProConnect journeys (tests/oidc_provider/)
set -euo pipefail

missing=()
if [[ "${1:-}" == "--browser" ]]; then
  command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
else
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing+=(libpangoft2-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
  fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fi

node_too_old() {
  # oidc-provider 9 calls crypto.hash (Node >= 20.12); Debian 12's nodejs is 18.
  [[ "${1:-}" == "--browser" ]] && command -v node >/dev/null 2>&1 &&
    ! node -e 'process.exit(typeof require("node:crypto").hash === "function" ? 0 : 1)' 2>/dev/null
}
warn_old_node() {
  if node_too_old "$@"; then
    echo "Attention : Node.js $(node --version) est trop ancien pour le fournisseur OIDC des tests ProConnect" >&2
    echo "(oidc-provider 9 demande Node.js 20.12 ou plus récent) : make test installe Node.js 22 pour" >&2
    echo "ce seul fournisseur, depuis le registre npm, dans tests/oidc_provider/runtime/." >&2
  fi
}

if [[ ${#missing[@]} -eq 0 ]]; then
  warn_old_node "$@"
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installation des paquets système manquants : ${missing[*]}"
  apt-get update -qq >/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  warn_old_node "$@"
else
  echo "Paquets système manquants : ${missing[*]}" >&2
  echo "Installez-les avec : sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
