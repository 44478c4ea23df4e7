"""The dependency rules of DESIGN.md §3, enforced by import-linter (``.importlinter``).

One test runs the real contracts on the real code; the other proves they bite:
a copy of the code in a temporary directory gets a domain module that imports
sqlalchemy, and the same contracts must report it. Nothing is written into the
repository, so an interrupted run leaves no stray module behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("shared_kernel", "contexts", "bootstrap", "migrations")


def lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / ".importlinter")],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_code_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "BROKEN" not in result.stdout


def test_a_domain_importing_sqlalchemy_breaks_a_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    leak = tmp_path / "contexts" / "stock" / "domain" / "leaky_persistence.py"
    leak.write_text('"""A domain module that talks to the database."""\n\nimport sqlalchemy\n')

    result = lint_imports(tmp_path, tmp_path)

    assert result.returncode != 0, result.stdout
    output = result.stdout
    assert "domain imports no framework, no database and no outer shared_kernel layer BROKEN" in (
        " ".join(output.split())
    )
    assert "contexts.stock.domain.leaky_persistence -> sqlalchemy" in output
    assert "1 broken" in output
    # the copy was linted, not the repository
    assert not (ROOT / "contexts" / "stock" / "domain" / "leaky_persistence.py").exists()
