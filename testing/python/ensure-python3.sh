#!/usr/bin/env bash
# ensure-python3.sh — makes sure Debian's /usr/bin/python3 is there and new enough (3.9: ast.unparse) for the Airflow
# DAG test's extractor (deploy/airflow/tests/extract_tasks.py), which uses the standard library only. Installs
# Debian's python3 with apt-get when missing; fails loudly (exit 1, with the reason) when it cannot, never silently.
# Prints the version found.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
check() {
  /usr/bin/python3 -c 'import sys; assert sys.version_info >= (3, 9); print("python", sys.version.split()[0])' 2>/dev/null
}
ensure_packages ensure-python3 check python3
