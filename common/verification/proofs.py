"""A credential's proof, checked by the suite it names: Data Integrity ``eddsa-rdfc-2022`` in this process
(did:key resolved locally, no agent round trip), the older linked-data suites (Ed25519Signature2018 / 2020)
by the agent. One place for both, used by the signature check and for served status lists."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from agent.contexts import ContextNotBundledError
from agent.dataintegrity import DocumentError, canonicalizer, eddsa_rdfc_2022
from agent.errors import AgentRejectedError, AgentServerError, AgentTimeoutError, AgentUnavailableError
from common.microcredential import agent_document

from .pipeline import PortUnavailable
from .subject import CredentialAgent


@dataclass(frozen=True)
class ProofCheck:
    verified: bool
    suite: str
    """``eddsa-rdfc-2022``, ``Ed25519Signature2018``…: what was checked."""
    detail: str
    """Why not, or who signed."""
    unknown_context: str | None = None
    in_process: bool = False
    """Checked here (eddsa-rdfc-2022), not by the agent."""


def _suite(proof: dict[str, Any]) -> str:
    return str(proof.get("cryptosuite") or proof.get("type") or "unknown")


def single_proof(document: dict[str, Any]) -> dict[str, Any] | None:
    """The document's one proof (an object, or a one-element set as OB 3.0 delivers it); None otherwise."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    return proof if isinstance(proof, dict) else None


async def check_proof(agent: CredentialAgent, document: dict[str, Any], issuer: str | None) -> ProofCheck:
    """Raises ``PortUnavailable`` when the agent is needed and cannot answer: that is no verdict."""
    proof = single_proof(document)
    if proof is None:
        return ProofCheck(False, "none", "expected one proof (proof sets are not accepted)")
    suite = _suite(proof)
    if eddsa_rdfc_2022.is_this_suite(proof):
        try:
            verified = await asyncio.to_thread(eddsa_rdfc_2022.verify, canonicalizer(), document, proof)
        except ContextNotBundledError as err:
            return ProofCheck(False, suite, str(err), unknown_context=err.url, in_process=True)
        except (eddsa_rdfc_2022.ProofError, DocumentError) as err:
            return ProofCheck(False, suite, str(err), in_process=True)
        if verified.controller != issuer:
            why = f"signed by {verified.controller}, not by the issuer {issuer}"
            return ProofCheck(False, suite, why, in_process=True)
        return ProofCheck(
            True, suite, f"signed by the issuer's key {verified.verification_method}", in_process=True
        )
    try:
        result = await agent.verify_credential(agent_document(document))
    except (AgentUnavailableError, AgentTimeoutError, AgentServerError) as err:
        raise PortUnavailable(f"the agent that checks {suite} proofs cannot be reached: {err}") from err
    except AgentRejectedError as err:
        return ProofCheck(False, suite, err.detail)
    if not result.get("verified"):
        return ProofCheck(False, suite, agent_errors(result) or "the proof does not verify")
    return ProofCheck(True, suite, "verified by the agent")


def agent_errors(result: dict) -> str:
    errors = list(result.get("errors") or [])
    for item in result.get("document_results") or result.get("credential_results") or []:
        errors += (item or {}).get("errors") or []
    return "; ".join(str(e) for e in errors)
