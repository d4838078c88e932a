"""The layering is a checked contract: import-linter's contracts (``[tool.importlinter]`` in
pyproject.toml) hold, so the whole suite fails when an import breaks them."""
from __future__ import annotations

import subprocess
import sys

from tests.support.env import ROOT

LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def test_every_import_contract_is_kept():
    # Its own process: import-linter builds the import graph from the source, not from sys.modules.
    done = subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=110)
    assert done.returncode == 0, f"lint-imports failed:\n{done.stdout}\n{done.stderr}"
    assert "0 broken" in done.stdout
