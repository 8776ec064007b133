"""The pipeline's signature check picks the suite's path, and an unreachable agent or chain is no verdict:
fake ports at the edges (the integration tests run the real ones)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from agent.errors import AgentTimeoutError, AgentUnavailableError
from common.microcredential import Profile, ob3_document
from common.verification import Criteria, Ports, PortUnavailable, verify_document
from revocation.errors import ChainUnavailableError
from tests.unit.test_data_integrity import ISSUER, emitted, sign


class NoAgent:
    """An eddsa-rdfc-2022 credential needs no agent: any call fails the test."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the agent was called ({name}) for a proof checked in-process")


class DownAgent:
    def __init__(self, error: Exception):
        self.error = error

    async def verify_credential(self, credential: dict) -> dict:
        raise self.error

    async def bundled_contexts(self) -> list[str]:
        raise self.error


class DownChain:
    async def read(self, list_urls: list[str]) -> dict:
        raise ChainUnavailableError("http://127.0.0.1:8545: connection refused")

    async def history(self, did: str) -> list:
        raise ChainUnavailableError("http://127.0.0.1:8545: connection refused")


def ports(agent, chain=None) -> Ports:
    return Ports(
        agent=agent, clock=lambda: datetime(2026, 12, 1, tzinfo=UTC), status=chain, accreditation=chain
    )


def checks(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in report["credentials"][0]["checks"]}


STANDARD = ob3_document(sign(emitted(Profile.STANDARD)))


async def test_eddsa_rdfc_2022_is_checked_in_process_and_named() -> None:
    report = await verify_document(ports(NoAgent()), STANDARD)
    signature = checks(report)["proof.signature"]
    assert signature["status"] == "passed", signature
    assert signature["facts"]["suite"] == "eddsa-rdfc-2022"
    assert ISSUER in signature["detail"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].update(name="Brain surgery"),
        lambda d: d["proof"][0].update(proofValue="z" + "1" * 86),
        lambda d: d.update(
            issuer={**d["issuer"], "id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}
        ),
    ],
    ids=["changed field", "changed proofValue", "another issuer"],
)
async def test_a_tampered_standard_credential_fails_the_signature_by_name(tamper) -> None:
    document = copy.deepcopy(STANDARD)
    tamper(document)
    signature = checks(await verify_document(ports(NoAgent()), document))["proof.signature"]
    assert signature["status"] == "failed"
    assert signature["facts"]["suite"] == "eddsa-rdfc-2022" and signature["problem"]["detail"]


@pytest.mark.parametrize("error", [AgentUnavailableError("refused"), AgentTimeoutError("no answer in time")])
async def test_an_unreachable_agent_is_no_verdict(error: Exception) -> None:
    """A wallet copy (Ed25519Signature2018) is checked by the agent; if it cannot answer, nothing is said."""
    wallet = {**emitted(Profile.WALLET), "proof": {"type": "Ed25519Signature2018", "jws": "x"}}
    with pytest.raises(PortUnavailable):
        await verify_document(ports(DownAgent(error)), wallet)


async def test_an_unreachable_chain_is_no_verdict() -> None:
    with pytest.raises(PortUnavailable, match="chain cannot be reached"):
        await verify_document(ports(NoAgent(), DownChain()), STANDARD)


# --- the runner and the criteria, on a fixed clock ----------------------------------------------------------
def check_of(report: dict, check: str) -> dict:
    return checks(report)[check]


async def test_a_fatal_failure_skips_the_rest_saying_why() -> None:
    unsigned = {k: v for k, v in STANDARD.items() if k != "proof"}
    report = await verify_document(ports(NoAgent()), unsigned)
    assert check_of(report, "credential.structure")["status"] == "failed"
    later = [c for c in report["credentials"][0]["checks"] if c["id"] != "credential.structure"]
    assert {c["status"] for c in later} == {"skipped"}
    assert all("credential.structure" in c["reason"] for c in later)
    assert report["verified"] is False


async def test_a_check_that_raises_is_a_failed_check_not_a_failed_request() -> None:
    class Broken:
        async def history(self, did: str) -> list:
            raise RuntimeError("a bug")

    report = await verify_document(
        Ports(NoAgent(), lambda: datetime(2026, 12, 1, tzinfo=UTC), None, Broken()), STANDARD
    )
    accreditation = check_of(report, "issuer.accreditation")
    assert accreditation["status"] == "failed" and accreditation["problem"]["title"] == "Check error"
    assert "RuntimeError: a bug" in accreditation["problem"]["detail"]


def expiring(valid_until: str) -> dict:
    return ob3_document(sign({**emitted(Profile.STANDARD), "validUntil": valid_until}))


@pytest.mark.parametrize(
    ("criteria", "status"),
    [
        (Criteria(achievement_id="urn:uuid:5f4c7f6e-0000-4000-8000-000000000002"), "passed"),
        (Criteria(achievement_id="urn:uuid:another"), "failed"),
        (Criteria(iqr_code="ZRK-123"), "passed"),
        (Criteria(iqr_code="ZRK-999"), "failed"),
        (Criteria(min_eqf_level=6), "passed"),
        (Criteria(min_eqf_level=7), "failed"),
    ],
)
async def test_each_criterion_is_checked(criteria: Criteria, status: str) -> None:
    report = await verify_document(ports(NoAgent()), STANDARD, criteria=criteria)
    assert check_of(report, "request.criteria")["status"] == status


@pytest.mark.parametrize(("not_expired", "status"), [(True, "failed"), (False, "passed")])
async def test_not_expired_decides_for_a_credential_past_its_end(not_expired: bool, status: str) -> None:
    report = await verify_document(
        ports(NoAgent()), expiring("2026-11-30T00:00:00Z"), criteria=Criteria(not_expired=not_expired)
    )
    assert check_of(report, "validity.window")["status"] == status
    assert check_of(report, "proof.signature")["status"] == "passed"


async def test_without_a_chain_status_and_accreditation_fail_saying_so() -> None:
    report = await verify_document(ports(NoAgent()), STANDARD)
    for check in ("status.revocation", "status.suspension", "issuer.accreditation"):
        assert check_of(report, check)["status"] == "failed"
        assert "no chain configured" in check_of(report, check)["problem"]["detail"]
    assert report["verified"] is False
