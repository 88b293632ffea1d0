#!/usr/bin/env bash
# The Caddy the production-profile test puts in front of the workers: installs Debian's `caddy` (2.6) if
# it is missing and prints the binary's path:
#   CADDY=$(tools/caddy.sh)
# Idempotent; progress goes to stderr so stdout is only the path. Needs root (apt-get), as tools/postgres.sh.
# Debian's package also enables a caddy.service on port 80; the tests run their own `caddy run`, so it is
# stopped here when systemd manages it (in a container there is no systemd and nothing starts).
set -euo pipefail
if ! command -v caddy >/dev/null; then
    echo "Installing Caddy (Debian package)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q caddy >&2 || { apt-get update -q >&2 && apt-get install -y -q caddy >&2; }
    if command -v systemctl >/dev/null && systemctl is-active --quiet caddy 2>/dev/null; then
        systemctl stop caddy >&2 || true
    fi
fi
command -v caddy
