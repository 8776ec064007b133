"""What an installed copy needs besides code is in pyproject's package-data: the image installs the project
without its source tree (``pip install .``), so a template, a stylesheet or a JSON-LD context left out there
is missing only in production."""

from __future__ import annotations

import fnmatch
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agent", "common", "issuer_controller", "verifier_controller", "revocation", "mcred", "bench")
NOT_SHIPPED = ("README.md", "__pycache__")


def shipped_data() -> list[tuple[str, str]]:
    """(package directory, glob relative to it) for every package-data entry."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    return [(package.replace(".", "/"), glob) for package, globs in config.items() for glob in globs]


def covered(path: str, data: list[tuple[str, str]]) -> bool:
    return any(
        path.startswith(folder + "/") and fnmatch.fnmatch(path[len(folder) + 1 :], glob)
        for folder, glob in data
    )


def test_every_file_the_packages_read_at_run_time_is_package_data() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *PACKAGES],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    data = shipped_data()
    left_out = [
        path
        for path in tracked
        if not path.endswith(".py") and not path.endswith(NOT_SHIPPED) and not covered(path, data)
    ]
    assert not left_out, f"not in [tool.setuptools.package-data], so not in an installed copy: {left_out}"


def test_the_check_sees_the_pages() -> None:
    data = shipped_data()
    assert covered("common/web/pages/static/pages.css", data)
    assert not covered("common/web/pages/static/pages.css", [("common", "pages/*")])
