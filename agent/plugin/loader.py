"""A DocumentLoader that resolves DIDs as ACA-Py does and serves http(s) documents from our bundle only."""

from acapy_agent.core.profile import Profile
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader

from ..contexts import ContextBundle


class OfflineDocumentLoader(DocumentLoader):
    """Unknown URLs fail at once with ``ContextNotBundledError`` naming the URL, instead of a network try."""

    def __init__(self, profile: Profile, contexts: ContextBundle):
        super().__init__(profile)
        self.contexts = contexts

    def _load_http_document(self, url: str, options: dict):
        return self.contexts.remote_document(url)
