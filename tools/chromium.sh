#!/usr/bin/env bash
# The browser the web tests drive: Debian's `chromium` and `chromium-driver`, installed if missing (never a
# downloaded browser). Prints the browser's version. Needs root (or sudo-less apt-get), as tools/postgres.sh.
set -euo pipefail
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "Installing Chromium and its driver (Debian packages)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium chromium-driver >&2 || { apt-get update -q >&2 && apt-get install -y -q chromium chromium-driver >&2; }
fi
chromium --version 2>/dev/null  # Debian's launcher script warns about the memory size on some machines
