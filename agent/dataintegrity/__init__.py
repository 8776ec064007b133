"""W3C Data Integrity for what we sign and verify ourselves: RDFC-1.0 canonicalisation over the bundled
contexts, the ``eddsa-rdfc-2022`` cryptosuite and did:key. Pure functions and no ACA-Py import: the plugin
signs with it inside the agent, the verifier checks with it in-process."""

from functools import cache

from ..contexts import bundle
from .rdfc import Canonicalizer, DocumentError, UnsafeDocumentError

__all__ = ["Canonicalizer", "DocumentError", "UnsafeDocumentError", "canonicalizer"]


@cache
def canonicalizer() -> Canonicalizer:
    """The process's canonicaliser over the bundled contexts (it keeps each inlined context once)."""
    return Canonicalizer(bundle())
