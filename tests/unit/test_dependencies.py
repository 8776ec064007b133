"""pyproject.toml says what the code needs, no more, no less; and the packages depend one way only.

Every third-party module imported anywhere in the project's packages (at any depth: a function-level
import counts) is provided by a distribution declared in ``[project] dependencies``, and every declared
distribution is imported or named below with the reason it is needed without an import. Tests may import
the dev extra too. The distribution behind a module is the installed one's own word (``importlib.metadata``),
so this runs against the bootstrapped .venv.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agent", "common", "issuer_controller", "verifier_controller", "revocation", "mcred", "bench")
FIRST_PARTY = {*PACKAGES, "tests"}

USED_WITHOUT_IMPORT = {
    "uvicorn": "the controllers are served by `python -m uvicorn` (mcred/stack.py, docker/Dockerfile)",
    "httptools": "uvicorn's HTTP parser, which it picks when installed",
    "aiosqlite": "the sqlite+aiosqlite driver SQLAlchemy loads by URL",
    "python-multipart": "FastAPI reads the console's forms with it (Request.form)",
}
DEV_TOOLS = {
    "ruff": "`make lint`, `make test`",
    "py-spy": "profiles in docs/performance.md",
    "pytest-asyncio": "a pytest plugin (asyncio_mode in pyproject.toml)",
    "pytest-timeout": "a pytest plugin (timeout in pyproject.toml)",
}
"""Dev distributions used as commands or pytest plugins, not imported by the tests."""
TOOLS_NEVER_AT_RUNTIME = {
    "pytest",
    "ruff",
    "py-spy",
    "schemathesis",
    "hypothesis",
    "pyright",
    "uv",
    "pip-tools",
}


def canonical(name: str) -> str:
    """PEP 503: ``PyYAML``, ``pyyaml`` and ``py_yaml`` are one name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.match(r"[A-Za-z0-9._-]+", requirement).group())


def declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {requirement_name(r) for r in project["dependencies"]}
    dev = {requirement_name(r) for r in project["optional-dependencies"]["dev"]}
    return runtime, dev


def imported_modules(folders: list[Path]) -> dict[str, set[str]]:
    """Top-level names of the absolute imports under ``folders`` that are neither stdlib nor ours → the files
    importing them."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def distributions_of(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each imported module → the canonical names of the installed distributions that provide it."""
    providers = packages_distributions()
    unknown = {m: files for m, files in modules.items() if m not in providers}
    assert not unknown, f"imported but not installed by any distribution: {unknown}"
    return {module: {canonical(d) for d in providers[module]} for module in modules}


@pytest.fixture(scope="module")
def code_imports() -> dict[str, set[str]]:
    return imported_modules([ROOT / package for package in PACKAGES])


def test_every_module_the_code_imports_is_declared(code_imports: dict[str, set[str]]) -> None:
    runtime, _ = declared()
    missing = {
        module: (sorted(dists), sorted(code_imports[module]))
        for module, dists in distributions_of(code_imports).items()
        if not dists & runtime
    }
    assert not missing, f"imported, not in [project] dependencies (module: distributions, files): {missing}"


def test_every_runtime_dependency_is_used(code_imports: dict[str, set[str]]) -> None:
    runtime, _ = declared()
    imported = set().union(*distributions_of(code_imports).values())
    unused = runtime - imported - set(USED_WITHOUT_IMPORT)
    assert not unused, f"declared but never imported (drop it, or say in USED_WITHOUT_IMPORT why): {unused}"
    assert set(USED_WITHOUT_IMPORT) <= runtime


def test_tests_import_only_what_runtime_and_dev_declare() -> None:
    runtime, dev = declared()
    test_imports = imported_modules([ROOT / "tests"])
    dists = distributions_of(test_imports)
    missing = {m: sorted(test_imports[m]) for m, provided in dists.items() if not provided & (runtime | dev)}
    assert not missing, f"tests import these, declared nowhere (add to the dev extra): {missing}"
    unused = dev - set().union(*dists.values()) - set(DEV_TOOLS)
    assert not unused, f"in the dev extra, imported by no test (drop it, or say in DEV_TOOLS why): {unused}"


def test_dev_tools_are_not_runtime_dependencies() -> None:
    runtime, _ = declared()
    assert not runtime & TOOLS_NEVER_AT_RUNTIME


def test_mcred_and_the_services_never_import_bench() -> None:
    """bench depends on mcred (it drives stacks), never the reverse: no package cycle."""
    for package in PACKAGES:
        if package == "bench":
            continue
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom) and node.level == 0
                    else []
                )
                assert not any(n == "bench" or n.startswith("bench.") for n in names), (
                    f"{path.relative_to(ROOT)} imports bench"
                )
