"""docker/, validated offline (no Docker engine here): the compose file parses and names only what exists,
every variable it uses is documented and has no default, parts restart as under ``mcred up``, and the
Dockerfile's targets and sources exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from agent.supervisor import RestartPolicy

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(:?[-?+])?([^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_services_and_what_they_build(compose: dict) -> None:
    services = compose["services"]
    assert {"postgres", "issuer-agent", "verifier-agent", "issuer", "verifier", "anvil"} <= set(services)
    targets = set(re.findall(r"^FROM .* AS (\w+)$", (DOCKER / "Dockerfile").read_text(), re.MULTILINE))
    for name, service in services.items():
        if "build" in service:
            build = service["build"]
            assert (DOCKER / build["context"] / build["dockerfile"]).is_file(), name
            assert build["target"] in targets, (name, build["target"])
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).exists(), (name, source)
        if name != "anvil":
            assert "healthcheck" in service, f"{name} has no health check"
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services and condition == {"condition": "service_healthy"}, (
                name,
                dependency,
            )


def test_every_variable_is_documented_and_no_secret_has_a_default() -> None:
    text = (DOCKER / "compose.yaml").read_text()
    used = {m.group(1): (m.group(2) or "") for m in VARIABLE.finditer(text)}
    documented = {
        line.split("=", 1)[0]
        for line in (DOCKER / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert set(used) <= documented, set(used) - documented
    assert all(kind == ":?" for kind in used.values()), {v: k for v, k in used.items() if k != ":?"}


def test_the_images_copy_what_exists_and_pin_their_bases() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?:--\S+ )*(.+) \S+$", dockerfile, re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
    for image in re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE):
        assert image in {"base", "agent", "controller"} or re.search(r":\d", image), f"unpinned base {image}"
    assert 'ENTRYPOINT ["python", "-m", "agent.launch"]' in dockerfile


def _seconds(duration: str) -> float:
    value, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", duration).groups()
    return float(value) * {"ms": 0.001, "s": 1, "m": 60}[unit]


def test_parts_restart_on_failure_as_mcred_up_restarts_them(compose: dict) -> None:
    """The same policy as the embedded stack's supervisor: restarted after a growing delay, given up after
    repeated failures; the database is always brought back."""
    policy = RestartPolicy()
    services = compose["services"]
    for name in ("issuer-agent", "verifier-agent", "issuer", "verifier", "anvil"):
        service = services[name]
        assert service["restart"] == f"on-failure:{policy.limit}", name
        restart = service["deploy"]["restart_policy"]
        assert restart["condition"] == "on-failure" and restart["max_attempts"] == policy.limit, name
        assert _seconds(restart["delay"]) == policy.first_delay, name
        assert _seconds(restart["window"]) == policy.window, name
    assert services["postgres"]["restart"] == "unless-stopped"
    assert "--state-interval" in services["anvil"]["entrypoint"]


DEV_ONLY = {"pytest", "pytest-asyncio", "pytest-timeout", "ruff", "py-spy", "schemathesis", "hypothesis"}
"""Test, lint and profiling tools: in requirements-dev.lock, never in an image."""
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?: ;[^\\]*)? \\$", re.MULTILINE)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock(name: str) -> dict[str, str]:
    """A lock file's pins (canonical name → version); every pin must carry sha256 hashes."""
    text = (ROOT / name).read_text()
    pins = {_canonical(m.group(1)): m.group(2) for m in PIN.finditer(text)}
    entries = [
        line for line in text.splitlines() if line and not line[0].isspace() and not line.startswith("#")
    ]
    assert len(entries) == len(pins), f"{name}: a line is not 'name==version \\' ({entries[:3]}...)"
    blocks = re.split(r"^(?=[A-Za-z0-9])", text, flags=re.MULTILINE)[1:]
    unhashed = [b.split(None, 1)[0] for b in blocks if "--hash=sha256:" not in b]
    assert not unhashed, f"{name}: pins without --hash=sha256: {unhashed}"
    return pins


def test_the_images_install_the_runtime_lock_alone_with_hashes() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    installs = re.findall(r"^RUN pip install (.+)$", dockerfile, re.MULTILINE)
    from_files = [i for i in installs if "requirement" in i or " -r " in f" {i}"]
    assert from_files == ["--require-hashes --requirement requirements.lock"], installs
    assert all("--no-deps" in i for i in installs if i not in from_files), installs
    copied = " ".join(re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE))
    assert "requirements-dev.lock" not in copied and "tests" not in copied.split()
    runtime = _lock("requirements.lock")
    assert not DEV_ONLY & set(runtime), DEV_ONLY & set(runtime)
    assert "setuptools" in runtime, "the image installs the project without build isolation"


def test_the_development_lock_is_the_runtime_lock_plus_the_tools() -> None:
    runtime, development = _lock("requirements.lock"), _lock("requirements-dev.lock")
    disagree = {n: (v, development.get(n)) for n, v in runtime.items() if development.get(n) != v}
    assert not disagree, f"the two locks pin shared packages differently (runtime, dev): {disagree}"
    assert DEV_ONLY <= set(development)


def test_two_instances_of_each_controller_share_one_configuration(compose: dict) -> None:
    """The second instance is the first's service (same database, agent, public URL), started once the
    first has migrated the database."""
    services = compose["services"]
    for name in ("issuer", "verifier"):
        first, second = services[name], services[f"{name}-2"]
        assert second["environment"] == first["environment"] and second["command"] == first["command"]
        assert second["depends_on"] == {name: {"condition": "service_healthy"}}


def test_only_the_https_proxy_is_published_and_public_urls_are_https(compose: dict) -> None:
    """Wallets refuse plain http (OpenID4VCI, status lists): TLS ends at the proxy, nothing else is
    published, and every public URL the deployment announces is https on the proxy's hosts."""
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert "443:443" in services["proxy"]["ports"]
    caddyfile = (DOCKER / "proxy" / "Caddyfile").read_text()
    for upstream in ("issuer:8001 issuer-2:8001", "verifier:8002 verifier-2:8002", "issuer-agent:8030",
                     "verifier-agent:8040"):  # fmt: skip
        assert f"reverse_proxy {upstream}" in caddyfile, upstream
    example = dict(
        line.split("=", 1) for line in (DOCKER / ".env.example").read_text().splitlines() if "=" in line
    )
    for role in ("ISSUER", "VERIFIER"):
        for url in (example[f"{role}_PUBLIC_URL"], example[f"{role}_DIDCOMM_URL"]):
            assert url.startswith(f"https://{example[f'{role}_HOST']}"), url


def test_issuer_agents_are_shards_the_controller_routes_to(compose: dict) -> None:
    """Each issuer-agent shard has its own base wallet, keys and public DIDComm path, is multitenant, and is
    named in the controller's shard list with its own admin key; the verifier's agent is multitenant too."""
    services = compose["services"]
    agents = {
        n: s["environment"] for n, s in services.items() if "MCRED_AGENT_ROLE" in s.get("environment", {})
    }
    issuers = {n: e for n, e in agents.items() if e["MCRED_AGENT_ROLE"] == "issuer"}
    assert set(issuers) == {"issuer-agent", "issuer-agent-2"}
    for key in ("MCRED_AGENT_WALLET_NAME", "MCRED_AGENT_ADMIN_API_KEY", "MCRED_AGENT_WALLET_KEY",
                "MCRED_AGENT_JWT_SECRET", "MCRED_AGENT_ENDPOINT"):  # fmt: skip
        assert len({e[key] for e in issuers.values()}) == 2, key
    assert all("MCRED_AGENT_JWT_SECRET" in e for e in agents.values())
    controller = services["issuer"]["environment"]
    shards = yaml.safe_load(controller["MCRED_ISSUER_AGENT_SHARDS"])
    assert [s["admin_url"] for s in shards] == ["http://issuer-agent-2:8031"]
    assert shards[0]["admin_api_key"] == issuers["issuer-agent-2"]["MCRED_AGENT_ADMIN_API_KEY"]
    assert (
        "MCRED_ISSUER_TENANT_KEY" in controller
        and "MCRED_VERIFIER_TENANT_KEY" in services["verifier"]["environment"]
    )
    assert "reverse_proxy issuer-agent-2:8030" in (DOCKER / "proxy" / "Caddyfile").read_text()
