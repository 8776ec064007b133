"""The admin client turns every agent failure into a typed error that says what happened."""

from __future__ import annotations

import json

import httpx
import pytest

from agent.client import AdminClient
from agent.errors import (
    AgentAuthError,
    AgentError,
    AgentNotFoundError,
    AgentRejectedError,
    AgentServerError,
    AgentTimeoutError,
    AgentUnavailableError,
)


def client_for(handler, **kwargs) -> AdminClient:
    return AdminClient("http://agent.test", "key", transport=httpx.MockTransport(handler), **kwargs)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (401, {"message": "Unauthorized"}, AgentAuthError, "Unauthorized"),
        (403, "Forbidden", AgentAuthError, "Forbidden"),
        (404, {"message": "Record not found"}, AgentNotFoundError, "Record not found"),
        (400, {"message": "issuer did not found"}, AgentRejectedError, "issuer did not found"),
        (422, {"detail": "bad field"}, AgentRejectedError, "bad field"),
        (409, "conflict", AgentRejectedError, "conflict"),
        (500, "500 Internal Server Error\n\nServer got itself in trouble", AgentServerError, "trouble"),
        (418, "teapot", AgentError, "teapot"),
    ],
)
async def test_http_errors_are_typed_and_carry_the_agents_reason(status, body, error, message) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, dict):
            return httpx.Response(status, json=body)
        return httpx.Response(status, text=body)

    async with client_for(handler) as client:
        with pytest.raises(error) as caught:
            await client.create_did_key()
    assert type(caught.value) is error
    assert caught.value.status == status
    assert message in str(caught.value)
    assert "POST /wallet/did/create" in str(caught.value)


async def test_rejected_is_a_value_error_for_callers_that_validate() -> None:
    async with client_for(lambda r: httpx.Response(400, json={"message": "no"})) as client:
        with pytest.raises(ValueError):
            await client.sign_credential({})


async def test_unreachable_agent_explains_itself_through_liveness() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with client_for(refuse, liveness=lambda: RuntimeError("agent x: exited with code -9")) as client:
        with pytest.raises(AgentUnavailableError) as caught:
            await client.connection("abc")
    assert "cannot reach http://agent.test" in str(caught.value)
    assert "exited with code -9" in str(caught.value)


async def test_timeout_is_its_own_type() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with client_for(slow) as client:
        with pytest.raises(AgentTimeoutError):
            await client.credential_exchange("x")


async def test_requests_carry_the_api_key_and_lowercase_booleans() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "oob_id": "o",
                "invi_msg_id": "m",
                "invitation_url": "http://x?oob=1",
                "invitation": {"handshake_protocols": []},
            },
        )

    async with client_for(record) as client:
        invitation = await client.create_invitation(alias="learner")
    assert invitation.url == "http://x?oob=1"
    assert seen[0].headers["x-api-key"] == "key"
    assert seen[0].url.params["auto_accept"] == "true"
    assert seen[0].url.params["multi_use"] == "false"
    assert json.loads(seen[0].content)["handshake_protocols"] == ["https://didcomm.org/didexchange/1.1"]


async def test_offer_announces_the_status_type_the_holder_will_check() -> None:
    bodies: list[dict] = []

    def record(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"cred_ex_id": "c"})

    credential = {"credentialStatus": {"type": "BitstringStatusListEntry", "statusListIndex": "7"}}
    async with client_for(record) as client:
        await client.offer_credential("conn", credential, {"proofType": "Ed25519Signature2020"})
        await client.offer_credential("conn", {"id": "no-status"}, {"proofType": "Ed25519Signature2018"})
    with_status, without = (b["filter"]["ld_proof"]["options"] for b in bodies)
    assert with_status["credentialStatus"] == {"type": "BitstringStatusListEntry"}
    assert "credentialStatus" not in without
    assert bodies[0]["auto_remove"] is False


async def test_credential_query_without_types_sends_none_and_asks_for_all() -> None:
    bodies: list[dict] = []

    def record(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"results": []})

    async with client_for(record) as client:
        await client.w3c_credentials()
        await client.w3c_credentials(types=["OpenBadgeCredential"])
    assert bodies == [{"max_results": 10_000}, {"max_results": 10_000, "types": ["OpenBadgeCredential"]}]


async def test_lists_are_read_to_the_last_page() -> None:
    """ACA-Py answers 100 records unless asked: a bulk run of 200 must see all 200."""
    total = 2345

    def paged(request: httpx.Request) -> httpx.Response:
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        ids = range(offset, min(offset + limit, total))
        return httpx.Response(200, json={"results": [{"connection_id": str(i)} for i in ids]})

    async with client_for(paged) as client:
        found = await client.connections(state="active")
    assert [c["connection_id"] for c in found] == [str(i) for i in range(total)]


@pytest.mark.parametrize(
    ("ready", "contexts", "expected"),
    [
        ((503, {}), None, False),
        ((200, {"ready": False}), None, False),
        ((200, {"ready": True}), (503, {"offline_loader": False}), False),
        ((200, {"ready": True}), (200, {"offline_loader": True, "contexts": []}), True),
    ],
)
async def test_ready_means_agent_ready_and_offline_loader_bound(ready, contexts, expected) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        status, body = ready if request.url.path == "/status/ready" else contexts
        return httpx.Response(status, json=body)

    async with client_for(handler) as client:
        assert await client.is_ready() is expected


async def test_missing_plugin_is_an_error_not_a_wait() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/status/ready":
            return httpx.Response(200, json={"ready": True})
        return httpx.Response(404, text="Not Found")

    async with client_for(handler) as client:
        with pytest.raises(AgentNotFoundError, match="/mcred/contexts"):
            await client.is_ready()
