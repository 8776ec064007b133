"""The bundled contexts are verbatim, pinned, and complete for what we sign."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
from pyld import jsonld

from agent.contexts import (
    MCRED_CONTEXT_URL,
    ContextBundleError,
    ContextNotBundledError,
    bundle,
    load_bundle,
)

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
PACKAGE = Path(str(resources.files("agent.contexts")))


def reference_digests() -> dict[str, str]:
    digests = {}
    for folder in ("contexts", "ob3"):
        for line in (REFERENCE / folder / "SHA256SUMS").read_text().splitlines():
            digest, name = line.split()
            digests[name] = digest
    return digests


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside this checkout")
def test_third_party_contexts_are_byte_for_byte_the_published_ones() -> None:
    reference = reference_digests()
    ours = dict(line.split()[::-1] for line in (PACKAGE / "SHA256SUMS").read_text().splitlines())
    for name, digest in ours.items():
        if name == "w3id.org_mcred_context_v1.json":
            continue
        short = name.removeprefix("purl.imsglobal.org_spec_ob_v3p0_")  # ob3/ names files by version
        assert digest in (reference.get(name), reference.get(short)), name


def test_every_context_we_sign_with_is_bundled() -> None:
    urls = bundle().urls
    for url in (
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/status/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        MCRED_CONTEXT_URL,
    ):
        assert url in urls


def test_remote_document_is_what_pyld_expects() -> None:
    doc = bundle().remote_document(MCRED_CONTEXT_URL)
    assert doc["documentUrl"] == MCRED_CONTEXT_URL
    assert doc["contentType"] == "application/ld+json"
    assert doc["document"]["@context"]["@protected"] is True


def test_pyld_loads_a_bundled_context_once_per_process() -> None:
    loads: list[str] = []

    def loader(url: str, options: dict) -> dict:
        loads.append(url)
        return bundle().remote_document(url)

    document = {"@context": [OB_CONTEXT, MCRED_CONTEXT_URL], "type": "Achievement", "name": "x"}
    jsonld.expand(document, {"documentLoader": loader})
    loads.clear()
    jsonld.expand(document, {"documentLoader": loader})
    assert loads == []


def test_unknown_url_is_named() -> None:
    with pytest.raises(ContextNotBundledError) as caught:
        bundle().raw("https://example.org/ctx/v9")
    assert caught.value.url == "https://example.org/ctx/v9"
    assert "'https://example.org/ctx/v9' is not bundled" in str(caught.value)


def test_a_changed_document_refuses_the_whole_bundle(tmp_path: Path) -> None:
    copy = tmp_path / "contexts"
    shutil.copytree(PACKAGE, copy)
    target = copy / "documents" / "purl.imsglobal.org_spec_ob_v3p0_context-3.0.3.json"
    target.write_bytes(target.read_bytes().replace(b"achievementType", b"achievementKind", 1))
    with pytest.raises(ContextBundleError, match="context-3.0.3.json .* has sha256 .* pins"):
        load_bundle(copy)


def test_a_document_without_a_pin_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "contexts"
    shutil.copytree(PACKAGE, copy)
    sums = copy / "SHA256SUMS"
    sums.write_text("".join(line for line in sums.read_text().splitlines(True) if "mcred" not in line))
    with pytest.raises(ContextBundleError, match="w3id.org_mcred_context_v1.json .* no digest"):
        load_bundle(copy)
