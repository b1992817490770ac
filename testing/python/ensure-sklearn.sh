#!/usr/bin/env bash
# ensure-sklearn.sh — makes Debian's scikit-learn and pandas importable by /usr/bin/python3 (the peer Kiln's training
# benchmark compares with). Installs python3-sklearn and python3-pandas with apt-get when missing; fails loudly
# (exit 1, with the reason) when it cannot, never silently. Prints the versions found.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
check() {
  /usr/bin/python3 -c 'import sklearn, pandas; print("scikit-learn", sklearn.__version__, "pandas", pandas.__version__)' 2>/dev/null
}
ensure_packages ensure-sklearn check python3-sklearn python3-pandas
