#!/usr/bin/env bash
# ensure-jupyter.sh — makes sure Debian's Jupyter client side is there for the notebook test (NotebooksTest) and for
# testing/jupyter/execute-notebook.py: nbclient, nbformat, jupyter_client and ipykernel under /usr/bin/python3.
# Installs Debian's python3-nbclient, python3-ipykernel, jupyter-client and jupyter-nbconvert with apt-get when
# missing; fails loudly (exit 1, with the reason) when it cannot, never silently. Prints the versions found.
set -euo pipefail
# shellcheck source=../python/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/../python/apt-install.sh"
check() {
  /usr/bin/python3 -c 'import nbclient, nbformat, jupyter_client; print("nbclient", nbclient.__version__, "| nbformat", nbformat.__version__, "| jupyter_client", jupyter_client.__version__)' 2>/dev/null
}
ensure_packages ensure-jupyter check python3-nbclient python3-ipykernel jupyter-client jupyter-nbconvert
