#!/usr/bin/env bash
# Make sure Debian's Chromium (and a CJK font for legible screenshots) is there for the browser test.
# Installs them when missing and we are root; otherwise says what is missing and exits 1.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || need+=(fonts-wqy-zenhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "missing: ${need[*]} (install them as root for the browser test)" >&2; exit 1; fi
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null 2>&1
