"""The JSON-LD contexts we sign with, bundled so agents and controllers work offline.

JSON-LD 1.1 §9.4 (remote document loading): a context is identified by its URL, and a signature over a
credential depends on the expanded terms, so each bundled document is byte-for-byte what its URL serves;
``SHA256SUMS`` pins every file and a mismatch refuses to load the bundle at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

__all__ = [
    "MCRED_CONTEXT_URL",
    "ContextBundle",
    "ContextBundleError",
    "ContextNotBundledError",
    "bundle",
    "load_bundle",
]

MCRED_CONTEXT_URL = "https://w3id.org/mcred/context/v1"
"""Our extension context (EU micro-credential elements OB3 has no field for)."""

_FILES: dict[str, str] = {
    "https://www.w3.org/2018/credentials/v1": "www.w3.org_2018_credentials_v1.json",
    "https://www.w3.org/ns/credentials/v2": "www.w3.org_ns_credentials_v2.json",
    "https://www.w3.org/ns/credentials/status/v1": "www.w3.org_ns_credentials_status_v1.json",
    "https://w3id.org/vc/status-list/2021/v1": "w3id.org_vc_status-list_2021_v1.json",
    "https://w3id.org/security/suites/ed25519-2020/v1": "w3id.org_security_suites_ed25519-2020_v1.json",
    "https://w3id.org/security/data-integrity/v1": "w3id.org_security_data-integrity_v1.json",
    "https://w3id.org/security/data-integrity/v2": "w3id.org_security_data-integrity_v2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "purl.imsglobal.org_spec_ob_v3p0_context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": (
        "purl.imsglobal.org_spec_ob_v3p0_context-3.0.1.json"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": (
        "purl.imsglobal.org_spec_ob_v3p0_context-3.0.2.json"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": (
        "purl.imsglobal.org_spec_ob_v3p0_context-3.0.3.json"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": (
        "purl.imsglobal.org_spec_ob_v3p0_extensions.json"
    ),
    MCRED_CONTEXT_URL: "w3id.org_mcred_context_v1.json",
}


class ContextBundleError(Exception):
    """The bundle itself is broken (a file missing or not what SHA256SUMS pins)."""


class ContextNotBundledError(LookupError):
    """A credential uses a context we do not ship; offline, nothing else could serve it."""

    def __init__(self, url: str):
        self.url = url
        super().__init__(
            f"JSON-LD context {url!r} is not bundled with this agent and remote loading is off: "
            "add it to agent/contexts or remove it from the document"
        )


@dataclass(frozen=True)
class ContextBundle:
    """URL → verbatim document bytes, checked against their pinned digests."""

    documents: dict[str, bytes]

    @property
    def urls(self) -> list[str]:
        return sorted(self.documents)

    def raw(self, url: str) -> bytes:
        try:
            return self.documents[url]
        except KeyError:
            raise ContextNotBundledError(url) from None

    def remote_document(self, url: str) -> dict:
        """The document in PyLD's RemoteDocument shape (what a JSON-LD document loader returns).

        Tagged ``static``: the bundle is pinned by digest, so PyLD may keep the processed context for the
        life of the process; untagged, it loads and processes every context again for every document."""
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": json.loads(self.raw(url)),
            "tag": "static",
        }


def _pinned_digests(folder: Traversable) -> dict[str, str]:
    digests = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            digests[name.lstrip("*")] = digest
    return digests


def load_bundle(folder: Traversable) -> ContextBundle:
    """Every document in ``folder/documents``, each checked against ``folder/SHA256SUMS``."""
    pinned = _pinned_digests(folder)
    documents = {}
    for url, name in _FILES.items():
        if name not in pinned:
            raise ContextBundleError(f"{name} (for {url}) has no digest in SHA256SUMS")
        data = (folder / "documents" / name).read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != pinned[name]:
            raise ContextBundleError(
                f"{name} (for {url}) has sha256 {actual}, SHA256SUMS pins {pinned[name]}"
            )
        documents[url] = data
    return ContextBundle(documents)


@cache
def bundle() -> ContextBundle:
    """The bundle shipped in this package, loaded and verified once per process."""
    return load_bundle(resources.files(__package__))
