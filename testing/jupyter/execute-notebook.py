#!/usr/bin/python3
"""Executes a notebook headlessly in a Jupyter kernel and checks it: every cell must run without error, and every
output a cell's metadata expects (``"kiln": {"expect": [regex, ...]}``, searched in the cell's printed text, HTML and
SVG) must be there. Used by the notebook test (notebooks/src/test/java/dev/kiln/notebooks/NotebooksTest.java);
works by hand too:

    /usr/bin/python3 testing/jupyter/execute-notebook.py notebooks/01-explore-a-sample.ipynb

The Java kernel sometimes never answers Jupyter's first handshake (about one start in five); once it has answered,
cells run fine. So the kernel is started with a short handshake timeout and started again, up to --attempts times.

Exit status: 0 all good; 1 a cell failed or an expected output is missing (the cell, its code and the reason are
printed); 2 the kernel never started; 64 bad arguments. The executed notebook is written to --output if given.
"""
import argparse
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def say(message):
    print(f"[execute-notebook] {message}", flush=True)


def start_kernel(client, kernel_name, startup_timeout, attempts):
    """Starts the client's kernel and waits for its handshake; a kernel that does not answer in time is killed and
    started again. Returns True once one has answered, False after the last attempt."""
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        client.km = client.create_kernel_manager()
        try:
            client.start_new_kernel()
            client.start_new_kernel_client()
            say(f"kernel {kernel_name} ready in {time.monotonic() - started:.1f}s (attempt {attempt} of {attempts})")
            return True
        except RuntimeError as e:
            say(f"kernel {kernel_name} did not answer within {startup_timeout}s (attempt {attempt} of {attempts}): "
                f"{e}; starting it again")
            # nbclient has already killed the kernel and dropped its manager and client.
            if client.km is not None and client.km.has_kernel:
                client.km.shutdown_kernel(now=True)
            client.km = None
            client.kc = None
    return False


def output_text(cell):
    """Everything a reader sees of a cell's outputs, as text: streams, plain text, HTML and SVG."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        for mime in ("text/plain", "text/html", "image/svg+xml"):
            value = out.get("data", {}).get(mime)
            if value is not None:
                parts.append(value if isinstance(value, str) else "".join(value))
    return "".join(parts)


def excerpt(text, limit=1500):
    text = ANSI.sub("", text)
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters)"


def describe(index, cell):
    source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    first = next((line for line in source.splitlines() if line.strip()), "")
    return f"cell {index} (`{first.strip()[:80]}`)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook")
    parser.add_argument("--kernel", default=None, help="kernel name (default: the notebook's kernelspec)")
    parser.add_argument("--output", help="where to write the executed notebook")
    parser.add_argument("--startup-timeout", type=int, default=30, help="seconds to wait for the handshake")
    parser.add_argument("--attempts", type=int, default=3, help="kernel starts before giving up")
    parser.add_argument("--cell-timeout", type=int, default=600, help="seconds one cell may take")
    args = parser.parse_args()
    if not os.path.isfile(args.notebook):
        print(f"no such notebook: {args.notebook}", file=sys.stderr)
        return 64

    nb = nbformat.read(args.notebook, as_version=4)
    kernel_name = args.kernel or nb.metadata.get("kernelspec", {}).get("name")
    if not kernel_name:
        print(f"{args.notebook}: no kernelspec in its metadata; pass --kernel", file=sys.stderr)
        return 64
    cwd = os.path.dirname(os.path.abspath(args.notebook))
    name = os.path.basename(args.notebook)
    began = time.monotonic()

    client = NotebookClient(nb, kernel_name=kernel_name, timeout=args.cell_timeout, allow_errors=False,
                            startup_timeout=args.startup_timeout, shutdown_kernel="immediate", resources={"metadata": {"path": cwd}})
    if not start_kernel(client, kernel_name, args.startup_timeout, args.attempts):
        say(f"{name}: kernel {kernel_name} did not start in {args.attempts} attempts")
        return 2
    failure = None
    try:
        # Runs every cell in the kernel started above, then shuts it down.
        client.execute()
    except CellTimeoutError as e:
        failure = f"a cell ran longer than {args.cell_timeout}s: {e}"
    except CellExecutionError as e:
        failure = excerpt(str(e), 4000)
    finally:
        if client.km is not None and client.km.has_kernel:
            client.km.shutdown_kernel(now=True)
        if args.output:
            os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
            nbformat.write(nb, args.output)

    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if failure is not None:
        failed = next(((i, c) for i, c in code_cells
                       if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = describe(*failed) if failed else "a cell"
        say(f"FAILED {name}: {where} raised an error:\n{failure}")
        return 1

    missing = []
    for index, cell in code_cells:
        text = output_text(cell)
        for pattern in cell.metadata.get("kiln", {}).get("expect", []):
            if not re.search(pattern, text):
                missing.append(f"{describe(index, cell)}: no output matches /{pattern}/; its output was:\n"
                               f"{excerpt(text)}")
    if missing:
        say(f"FAILED {name}: {len(missing)} expected output(s) missing:\n" + "\n".join(missing))
        return 1
    checks = sum(len(c.metadata.get("kiln", {}).get("expect", [])) for _, c in code_cells)
    say(f"OK {name}: {len(code_cells)} code cells ran, {checks} expected outputs found, "
        f"{time.monotonic() - began:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
