"""The layers stay where docs/architecture.md draws them: the controllers never import each other; ``agent/``
and ``revocation/`` import no controller and nothing of ``common``'s web side; services, the verification
pipeline and ``common``'s domain modules import no web framework, no ``common.web`` and no API schema — a
service takes and returns domain types, a route presents them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTROLLERS = ("issuer_controller", "verifier_controller")
WEB = ("fastapi", "starlette", "jinja2", "common.web")


def imports(path: Path) -> set[str]:
    """Absolute names a module imports; relative ones resolved against its package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = node.module or ""
            full = module if node.level == 0 else ".".join(filter(None, [base, module]))
            names.add(full)
            names.update(f"{full}.{alias.name}" for alias in node.names)
    return names


def offenders(
    folders: list[str], forbidden: tuple[str, ...], skip: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    found = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if name.startswith(skip):
                continue
            bad = sorted(n for n in imports(path) if any(n == f or n.startswith(f + ".") for f in forbidden))
            if bad:
                found[name] = bad
    return found


def test_the_controllers_never_import_each_other() -> None:
    assert offenders(["issuer_controller"], ("verifier_controller",)) == {}
    assert offenders(["verifier_controller"], ("issuer_controller",)) == {}


def test_agent_and_revocation_import_no_controller_and_no_web_glue() -> None:
    assert offenders(["agent", "revocation"], (*CONTROLLERS, "common.web")) == {}


@pytest.mark.parametrize(
    "folder", ["issuer_controller/services", "verifier_controller/services", "common/verification"]
)
def test_services_and_the_pipeline_speak_no_http(folder: str) -> None:
    schemas = tuple(f"{c}.{part}" for c in CONTROLLERS for part in ("schemas", "api"))
    assert offenders([folder], (*WEB, *schemas)) == {}


def test_commons_domain_side_imports_no_web_framework() -> None:
    """``common`` outside ``common/web``: errors, limits, the microcredential, verification, the exchange."""
    assert offenders(["common"], WEB, skip=("common/web/",)) == {}


def test_the_imports_are_resolved_as_python_does() -> None:
    """The guard above would pass vacuously if relative imports were misread."""
    assert "common.errors.PROBLEM_BASE" in imports(ROOT / "common/verification/pipeline.py")
    assert "common.web.problems" in imports(ROOT / "common/web/app.py")
