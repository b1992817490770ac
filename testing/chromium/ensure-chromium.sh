#!/usr/bin/env bash
# Makes sure headless Chromium is on this machine, for the HTML report tests (ProfileReportIT).
# Idempotent: does nothing when `chromium` is already on the PATH; otherwise installs Debian's `chromium` package
# with apt-get (through sudo when not root) and says each step it takes. Exits non-zero if chromium is still missing.
set -euo pipefail

say() { echo "[ensure-chromium] $*"; }

if command -v chromium >/dev/null 2>&1; then
  say "chromium is installed: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  say "chromium is missing, and installing it needs root or sudo (neither is available)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# An install right after a fresh machine finds no package lists, so refresh them first (cheap when they are current).
say "chromium is missing: running ${as_root[*]:+${as_root[*]} }apt-get update"
"${as_root[@]}" apt-get update -q
say "installing Debian's chromium package: ${as_root[*]:+${as_root[*]} }apt-get install -y --no-install-recommends chromium"
"${as_root[@]}" apt-get install -y -q --no-install-recommends chromium

if ! command -v chromium >/dev/null 2>&1; then
  say "apt-get finished but there is still no chromium on the PATH ($PATH)" >&2
  exit 1
fi
say "installed: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
