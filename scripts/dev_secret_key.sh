#!/usr/bin/env bash
# Prints the development secret key of this checkout, creating it on first use: 64 random
# characters in $VAR_DIR/secret_key (var/ by default), readable by its owner only. Used by
# `make run` and `make test`; never by a deployment, which sets SECRET_KEY itself.
set -euo pipefail
cd "$(dirname "$0")/.."
var_dir="${VAR_DIR:-var}"
key_file="$var_dir/secret_key"
if [ ! -s "$key_file" ]; then
  mkdir -p "$var_dir"
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '/+=\n' > "$key_file")
fi
cat "$key_file"
