"""The bootstrap says exactly what is missing, before installing anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ["bash", "cat", "sha256sum", "cut", "dirname", "rm"]


def sandbox(tmp_path: Path, with_tools: list[str]) -> tuple[Path, dict[str, str]]:
    """A copy of the script in an empty project, with a PATH holding only ``with_tools``."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", project / "scripts")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in with_tools:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    return project, env


def run(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(project / "scripts" / "bootstrap.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        executable=shutil.which("bash"),
    )


def test_missing_python_313_is_named_with_how_to_get_it(tmp_path: Path) -> None:
    project, env = sandbox(tmp_path, TOOLS + ["node", "npm"])
    result = run(project, env)
    assert result.returncode == 1
    assert "Python 3.13 not found" in result.stderr
    assert "pyenv install 3.13" in result.stderr
    assert not (project / ".venv").exists()


def test_missing_node_is_named_before_anything_is_installed(tmp_path: Path) -> None:
    project, env = sandbox(tmp_path, TOOLS)
    env["MCRED_PYTHON"] = os.path.realpath(sys.executable)
    result = run(project, env)
    assert result.returncode == 1
    assert "Node.js and npm not found" in result.stderr
    assert "nodejs.org" in result.stderr
    assert not (project / ".venv").exists()
