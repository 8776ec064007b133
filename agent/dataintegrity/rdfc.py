"""RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation 2024) of JSON-LD documents, offline.

Data Integrity proofs (VC Data Integrity 1.0 §4) sign the canonical N-Quads of a document, so signer and every
verifier must derive the same RDF: the contexts come from our pinned bundle and nothing is fetched. pyoxigraph
(Rust) parses JSON-LD 1.1 and canonicalises; it has no document loader, so every context URL is replaced by
its bundled document before parsing (inlining is what a loader does: same terms, same protection).

Safe mode (what DCC's verifier and jsonld.js's ``safe: true`` enforce): a term, type or id that no context
defines is dropped by JSON-LD expansion, so it would be shown to people without being signed. Such a
document is refused with ``UnsafeDocumentError`` naming what would be dropped. The fast path finds them in
the same parse: a sentinel ``@vocab`` and base IRI are appended, so whatever would have been dropped comes
out under the sentinel instead (and nothing else changes: a defined term never consults ``@vocab`` or the
base). Whatever the sentinel catches, and documents that set ``@vocab`` themselves, clear contexts or carry
contexts below the top level, take the slow path: pyld expands (and is the judge of what is dropped),
pyoxigraph canonicalises the expanded form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, overload

import pyoxigraph as ox

from ..contexts import ContextBundle, ContextNotBundledError

__all__ = ["Canonicalizer", "DocumentError", "UnsafeDocumentError"]

SENTINEL = "http://x-mcred.invalid/"
"""Never a real IRI (RFC 6761 reserves ``.invalid``): anything under it was undefined in the document."""
SENTINEL_VOCAB = SENTINEL + "undefined-term#"
SENTINEL_BASE = SENTINEL + "relative/"
PROOF_GRAPH = "urn:x-mcred:proof-configuration"
"""The named graph the proof configuration is parsed into when it shares the document's parse."""


class DocumentError(ValueError):
    """The document is not JSON-LD we can canonicalise (malformed, or a context nobody bundled)."""


class UnsafeDocumentError(DocumentError):
    """Terms, types or ids that no context defines: expansion would drop them, so they would be unsigned."""

    def __init__(self, undefined: list[str]):
        self.undefined = undefined
        super().__init__(
            "not defined by the document's contexts (JSON-LD safe mode): " + ", ".join(undefined[:10])
        )


class Canonicalizer:
    """RDFC-1.0 over a fixed set of context documents (URL → verbatim bytes)."""

    def __init__(self, contexts: ContextBundle | Mapping[str, bytes]):
        self._documents = contexts.documents if isinstance(contexts, ContextBundle) else dict(contexts)
        self._inlined: dict[str, Any] = {}
        self._context_text: dict[str, tuple[str, bool, frozenset[str]]] = {}

    # --- public --------------------------------------------------------------------------------------
    def canonicalize(self, document: Mapping[str, Any]) -> str:
        """The canonical N-Quads of ``document`` (a ``proof`` member is part of it: drop it first)."""
        return self.canonicalize_with(document, None)[0]

    @overload
    def canonicalize_with(
        self, document: Mapping[str, Any], proof_config: Mapping[str, Any]
    ) -> tuple[str, str]: ...
    @overload
    def canonicalize_with(self, document: Mapping[str, Any], proof_config: None) -> tuple[str, None]: ...
    def canonicalize_with(
        self, document: Mapping[str, Any], proof_config: Mapping[str, Any] | None
    ) -> tuple[str, str | None]:
        """The document's canonical N-Quads and, when given, the proof configuration's, canonicalised under
        the document's contexts. On the fast path both come from one parse: the proof configuration goes to
        a named graph of its own and each graph is canonicalised apart (blank node labels are per dataset)."""
        context = document.get("@context")
        body = {k: v for k, v in document.items() if k != "@context"}
        proof_body = None
        if proof_config is not None:
            proof_body = {k: v for k, v in proof_config.items() if k != "@context"}
        fast, clearing = self._fast_context(context)
        body_text = _dumps(body)
        nested = '"@context"' in body_text or any(f'"{term}":' in body_text for term in clearing)
        if fast is not None and not nested and "@graph" not in body:
            members = [body_text]
            if proof_body is not None:
                members.append('{"@id":"' + PROOF_GRAPH + '","@graph":[' + _dumps(proof_body) + "]}")
            quads = self._parse(
                '{"@context":' + fast + ',"@graph":[' + ",".join(members) + "]}", SENTINEL_BASE
            )
            if not any(_sentinel_terms(q) for q in quads):
                main = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
                proof = [ox.Quad(q.subject, q.predicate, q.object) for q in quads if _in_proof_graph(q)]
                return _canonical(main), (_canonical(proof) if proof_body is not None else None)
        return self._slow(context, body), (
            self._slow(context, proof_body) if proof_body is not None else None
        )

    # --- contexts ------------------------------------------------------------------------------------
    def inline(self, context: Any) -> Any:
        """The context with every URL (at any depth: scoped contexts too) replaced by its document's
        ``@context`` value; raises ``ContextNotBundledError`` for a URL we do not ship."""
        if isinstance(context, str):
            if context not in self._inlined:
                raw = self._documents.get(context)
                if raw is None:
                    raise ContextNotBundledError(context)
                self._inlined[context] = self.inline(json.loads(raw)["@context"])
            return self._inlined[context]
        if isinstance(context, list):
            out: list[Any] = []
            for item in context:
                inlined = self.inline(item)
                out.extend(inlined if isinstance(item, str) and isinstance(inlined, list) else [inlined])
            return out
        if isinstance(context, dict):
            inlined = {
                key: self.inline(value) if key == "@context" else _inline_terms(self, value)
                for key, value in context.items()
                if key != "@import"
            }
            if "@import" in context:  # JSON-LD 1.1 §4.1.10: the imported definitions, overridden by these
                imported = self.inline(context["@import"])
                if not isinstance(imported, dict):
                    raise DocumentError(f"@import {context['@import']!r} is not a single context object")
                inlined = {**imported, **inlined}
            return inlined
        return context

    def _fast_context(self, context: Any) -> tuple[str | None, frozenset[str]]:
        """The inlined context with the sentinels appended, as JSON text (None when the document sets
        ``@vocab`` or ``@base`` itself: the sentinel would change what it means), and the terms whose scoped
        context clears the active one (below them the sentinel is gone: a document using them is checked
        the slow way; e.g. ``verifiableCredential`` in a VCDM 2.0 presentation)."""
        key = _dumps(context)
        if key not in self._context_text:
            inlined = self.inline(context if context is not None else [])
            inlined = inlined if isinstance(inlined, list) else [inlined]
            usable = not any(item is None for item in inlined) and not _sets_vocab(inlined)
            text = _dumps([*inlined, {"@vocab": SENTINEL_VOCAB}])
            self._context_text[key] = (text, usable, frozenset(_clearing_terms(inlined)))
        text, usable, clearing = self._context_text[key]
        return (text if usable else None), clearing

    # --- slow path -----------------------------------------------------------------------------------
    def _slow(self, context: Any, body: dict[str, Any]) -> str:
        """pyld decides (it follows JSON-LD 1.1 where pyoxigraph 0.5 does not, e.g. a type defined only in
        an enclosing node's type-scoped context); pyoxigraph canonicalises its expanded output."""
        document = {"@context": context, **body} if context is not None else body
        return _canonical(self._parse(_dumps(self._expand(document)), None))

    def _expand(self, document: dict[str, Any]) -> Any:
        from pyld import jsonld  # only here: the slow path is rare, and pyld costs a process ~25 MB to load

        dropped: list[str] = []

        def loader(url: str, options: dict) -> dict:
            raw = self._documents.get(url)
            if raw is None:
                raise ContextNotBundledError(url)
            return {"contextUrl": None, "documentUrl": url, "document": json.loads(raw), "tag": "static"}

        try:
            expanded = jsonld.expand(
                document,
                # pyld's RemoteDocument type omits "tag", which its context resolver reads (static: cached)
                {"documentLoader": loader, "base": SENTINEL_BASE},  # pyright: ignore[reportArgumentType]
                on_property_dropped=lambda term: dropped.append(str(term)),
            )
        except jsonld.JsonLdError as err:
            unknown = _not_bundled(err)
            if unknown is not None:
                raise unknown from err
            raise DocumentError(f"not valid JSON-LD: {_innermost(err)}") from err
        relative = sorted(_relative_iris(expanded))
        if dropped or relative:
            raise UnsafeDocumentError(sorted(set(dropped)) + relative)
        return expanded

    @staticmethod
    def _parse(text: str, base: str | None) -> list[ox.Quad]:
        try:
            return list(ox.parse(text.encode(), format=ox.RdfFormat.JSON_LD, base_iri=base))
        except SyntaxError as err:
            raise DocumentError(f"not valid JSON-LD: {err}") from err


def _inline_terms(canonicalizer: Canonicalizer, value: Any) -> Any:
    """A term definition may carry a scoped ``@context`` (a URL or an object) that needs inlining too."""
    if isinstance(value, dict) and "@context" in value:
        return {k: canonicalizer.inline(v) if k == "@context" else v for k, v in value.items()}
    return value


def _scoped(definitions: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (term, value["@context"])
        for term, value in definitions.items()
        if isinstance(value, dict) and "@context" in value
    ]


def _sets_vocab(node: Any) -> bool:
    if isinstance(node, list):
        return any(_sets_vocab(item) for item in node)
    if isinstance(node, dict):
        return "@vocab" in node or "@base" in node or any(_sets_vocab(scoped) for _, scoped in _scoped(node))
    return False


def _clearing_terms(node: Any) -> set[str]:
    terms: set[str] = set()
    if isinstance(node, list):
        for item in node:
            terms |= _clearing_terms(item)
    elif isinstance(node, dict):
        for term, scoped in _scoped(node):
            if scoped is None or (isinstance(scoped, list) and None in scoped):
                terms.add(term)
            terms |= _clearing_terms(scoped)
    return terms


def _relative_iris(node: Any) -> list[str]:
    """Ids and types expansion could only resolve against the (sentinel) base: relative in the document."""
    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found += _relative_iris(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("@id", "@type") and "@value" not in node:
                found += [_local(v) for v in (value if isinstance(value, list) else [value]) if _sentinel(v)]
            elif key != "@value":
                found += _relative_iris(value)
    return found


def _sentinel(iri: Any) -> bool:
    return isinstance(iri, str) and iri.startswith(SENTINEL)


def _sentinel_terms(quad: ox.Quad) -> list[str]:
    terms = [quad.subject, quad.predicate, quad.object, quad.graph_name]
    return [t.value for t in terms if isinstance(t, ox.NamedNode) and t.value.startswith(SENTINEL)]


def _local(iri: str) -> str:
    return iri.removeprefix(SENTINEL_VOCAB).removeprefix(SENTINEL_BASE)


def _in_proof_graph(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == PROOF_GRAPH


def _canonical(quads: list[ox.Quad]) -> str:
    """RDFC-1.0: canonical blank node labels, then the N-Quads lines in code point order."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    nquads = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert nquads is not None  # None only when given an output to write to
    lines = nquads.decode().splitlines()
    return "".join(line + "\n" for line in sorted(lines))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _causes(err: BaseException) -> list[BaseException]:
    """PyLD wraps the loader's exception (``cause``) in JsonLdErrors."""
    chain: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in chain:
        chain.append(current)
        current = getattr(current, "cause", None) or current.__cause__
    return chain


def _not_bundled(err: BaseException) -> ContextNotBundledError | None:
    return next((e for e in _causes(err) if isinstance(e, ContextNotBundledError)), None)


def _innermost(err: BaseException) -> str:
    return str(_causes(err)[-1]).split("\n", 1)[0]
