"""Executes every notebook in this folder end to end with nbclient (a fresh kernel each, in
this folder), without saving outputs back: the stored notebooks stay output-free. Exits
non-zero naming the notebook and cell that failed. Run by .ci/run.

    python3 notebooks/run_notebooks.py [NOTEBOOK ...]
"""

import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = pathlib.Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    paths = [HERE / n for n in names] if names else sorted(HERE.glob("*.ipynb"))
    failed = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if any(c.get("outputs") or c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
            print(f"FAIL {path.name}: stored with outputs; clear them before committing", file=sys.stderr)
            failed += 1
            continue
        start = time.monotonic()
        client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}})
        try:
            client.execute()
            print(f"ok   {path.name} ({time.monotonic() - start:.1f} s)")
        except CellExecutionError as e:
            print(f"FAIL {path.name}:\n{e}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
