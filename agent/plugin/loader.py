"""A DocumentLoader that resolves DIDs as ACA-Py does and serves http(s) documents from memory only:
our bundle first (final W3C and 1EdTech copies), then the contexts ACA-Py ships (DID core, security…)."""

from acapy_agent.core.profile import Profile
from acapy_agent.vc.ld_proofs.document_downloader import StaticCacheJsonLdDownloader
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader

from ..contexts import ContextBundle, ContextNotBundledError


class OfflineDocumentLoader(DocumentLoader):
    """Unknown URLs fail at once with ``ContextNotBundledError`` naming the URL, instead of a network try."""

    def __init__(self, profile: Profile, contexts: ContextBundle):
        super().__init__(profile)
        self.contexts = contexts
        self.shipped_with_acapy = StaticCacheJsonLdDownloader().cache

    @property
    def urls(self) -> list[str]:
        return sorted({*self.contexts.urls, *self.shipped_with_acapy})

    def _load_http_document(self, url: str, options: dict):
        if url in self.contexts.documents:
            return self.contexts.remote_document(url)
        if url in self.shipped_with_acapy:
            return {**self.shipped_with_acapy[url], "tag": "static"}
        raise ContextNotBundledError(url)
