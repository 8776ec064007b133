"""Both controllers: OpenAPI, /health that tells the truth about the agent, problem+json for errors."""

from __future__ import annotations

import httpx
import pytest

from agent.process import free_port
from common.db import make_engine, session_factory
from issuer_controller.config import IssuerSettings
from issuer_controller.main import create_app as create_issuer
from verifier_controller.config import VerifierSettings
from verifier_controller.main import create_app as create_verifier


@pytest.fixture(params=["issuer", "verifier"])
async def client(request: pytest.FixtureRequest, tmp_path):
    """A controller whose agent is not running (nothing listens on its admin port)."""
    url = f"http://127.0.0.1:{free_port()}"
    if request.param == "issuer":
        app = create_issuer(
            IssuerSettings(
                agent_admin_url=url,
                agent_admin_api_key="k",
                admin_api_key="operator",
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}",
            )
        )
    else:
        app = create_verifier(
            VerifierSettings(
                agent_admin_url=url,
                agent_admin_api_key="k",
                admin_api_key="operator",
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'verifier.db'}",
            )
        )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://controller.test") as http:
            yield http


async def test_openapi_is_published(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"].startswith("mcred ")
    assert "/health" in spec["paths"]
    assert spec["paths"]["/health"]["get"]["operationId"] == "health-get"


async def test_health_is_503_when_the_agent_is_down(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["agent"] == {"ready": False}
    assert response.json()["status"] == "degraded"


async def test_unknown_path_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/not-found")
    assert body["instance"] == "/v1/nothing-here"


async def test_invalid_body_names_what_is_wrong(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/webhooks/topic/connections/", content=b"[1, 2]", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["field"] == "body"  # the whole body is the field that is wrong
    assert "dict" in body["errors"][0]["reason"] or "object" in body["errors"][0]["reason"]


def test_settings_need_their_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AGENT_ADMIN_API_KEY", "ADMIN_API_KEY"):
        monkeypatch.delenv(f"MCRED_ISSUER_{name}", raising=False)
    monkeypatch.setenv("MCRED_ISSUER_AGENT_ADMIN_URL", "http://127.0.0.1:1")
    with pytest.raises(ValueError, match="agent_admin_api_key") as caught:
        IssuerSettings(_env_file=None)
    assert "admin_api_key" in str(caught.value)


async def test_an_unreachable_database_is_a_503_to_retry(client: httpx.AsyncClient, tmp_path) -> None:
    """Nothing was decided: the caller is told to retry, never handed a 500."""
    context = client._transport.app.state  # the controller's context, whichever controller
    ctx = getattr(context, "issuer", None) or context.verifier
    ctx.sessions = session_factory(make_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/x.db"))
    me = "/v1/institutions/me" if hasattr(context, "issuer") else "/v1/employers/me"
    response = await client.get(me, headers={"X-API-Key": "some key"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert response.json()["type"].endswith("/database-unavailable")


async def test_webhooks_are_taken_from_our_agent_only(client: httpx.AsyncClient) -> None:
    """The agent sends the admin key the two share as x-api-key; anyone else who reaches the port cannot
    post an event (a forged "credential stored", say)."""
    event = {"state": "active", "connection_id": "c1"}
    for headers in ({}, {"X-API-Key": "a guess"}):
        refused = await client.post("/webhooks/topic/connections/", json=event, headers=headers)
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    taken = await client.post("/webhooks/topic/connections/", json=event, headers={"X-API-Key": "k"})
    assert taken.status_code == 200, taken.text
