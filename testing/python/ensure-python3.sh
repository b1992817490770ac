#!/usr/bin/env bash
# ensure-python3.sh — makes sure Debian's /usr/bin/python3 is there and new enough (3.9: ast.unparse) for the Airflow
# DAG test's extractor (deploy/airflow/tests/extract_tasks.py), which uses the standard library only. Installs
# Debian's python3 with apt-get when missing; fails loudly (exit 1, with the reason) when it cannot, never silently.
# Prints the version found.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
PYTHON=/usr/bin/python3
check() { "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 9), sys.version; print("python", sys.version.split()[0])' 2>/dev/null; }
if check; then exit 0; fi
echo "[ensure-python3] installing Debian's python3 ..." >&2
apt_install /tmp/ensure-python3.log python3 || {
  echo "[ensure-python3] could not install python3 (log: /tmp/ensure-python3.log)" >&2
  exit 1
}
check || { echo "[ensure-python3] python3 installed but $PYTHON is missing or older than 3.9" >&2; exit 1; }
