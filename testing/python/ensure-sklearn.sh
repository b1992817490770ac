#!/usr/bin/env bash
# ensure-sklearn.sh — makes Debian's scikit-learn and pandas importable by /usr/bin/python3 (the peer Kiln's training
# benchmark compares with). Installs python3-sklearn and python3-pandas with apt-get when missing; fails loudly
# (exit 1, with the reason) when it cannot, never silently. Prints the versions found.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
PYTHON=/usr/bin/python3
check() { "$PYTHON" -c 'import sklearn, pandas; print("scikit-learn", sklearn.__version__, "pandas", pandas.__version__)' 2>/dev/null; }
if check; then exit 0; fi
echo "[ensure-sklearn] installing Debian's python3-sklearn and python3-pandas ..." >&2
apt_install /tmp/ensure-sklearn.log python3-sklearn python3-pandas || {
  echo "[ensure-sklearn] could not install python3-sklearn (log: /tmp/ensure-sklearn.log)" >&2
  exit 1
}
check || { echo "[ensure-sklearn] python3-sklearn installed but $PYTHON cannot import it" >&2; exit 1; }
