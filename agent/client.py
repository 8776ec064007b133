"""The one async client of an ACA-Py admin API, used by both controllers, the stack and the tests.

One long-lived ``httpx.AsyncClient`` per agent; every failure becomes a typed ``AgentError``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import (
    AgentAuthError,
    AgentError,
    AgentNotFoundError,
    AgentRejectedError,
    AgentServerError,
    AgentTimeoutError,
    AgentUnavailableError,
)

__all__ = ["ACTIVE_CONNECTION_STATES", "AdminClient", "DidInfo", "Invitation", "DIDEXCHANGE_1_1", "Record"]

DIDEXCHANGE_1_1 = "https://didcomm.org/didexchange/1.1"
ACTIVE_CONNECTION_STATES = ("active", "completed")
"""A connection the wallet finished (ACA-Py's state says ``active``; RFC 23's ``completed``)."""

Record = dict[str, Any]
"""An exchange or connection record as the agent returns it."""


@dataclass(frozen=True)
class DidInfo:
    did: str
    verkey: str
    key_type: str
    method: str


@dataclass(frozen=True)
class Invitation:
    """An out-of-band invitation: ``url`` goes into a QR code or a deep link."""

    oob_id: str
    invitation_msg_id: str
    url: str
    message: Record


def _agent_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "detail", "error", "reason"):
            if body.get(key):
                return str(body[key])
    return str(body)


class AdminClient:
    """Typed methods over the admin API endpoints our controllers use."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        liveness: Callable[[], Exception | None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        """``liveness`` explains an unreachable agent (e.g. the supervisor's "it died, here is its log")."""
        self.base_url = base_url.rstrip("/")
        self._liveness = liveness
        self._headers: dict[str, str] = {}
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"X-API-Key": api_key},
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
        )

    def as_tenant(self, token: str) -> AdminClient:
        """The same agent as one tenant (a multitenant agent's institution or employer): every call runs in
        that tenant's wallet alone. Shares this client's connections; closing it closes nothing."""
        tenant = object.__new__(AdminClient)
        tenant.base_url, tenant._liveness, tenant._http = self.base_url, self._liveness, self._http
        tenant._headers = {"Authorization": f"Bearer {token}"}
        return tenant

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AdminClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        if params:
            params = {k: _param(v) for k, v in params.items() if v is not None}
        try:
            response = await self._http.request(method, path, json=json, params=params, headers=self._headers)
        except httpx.TimeoutException as err:
            raise AgentTimeoutError(
                self._unreachable(f"no answer in time ({type(err).__name__})"),
                method=method,
                path=path,
            ) from err
        except httpx.TransportError as err:
            raise AgentUnavailableError(
                self._unreachable(f"cannot reach {self.base_url} ({type(err).__name__}: {err})"),
                method=method,
                path=path,
            ) from err
        if response.is_success:
            return response.json() if response.content else None
        raise _error_for(response, method, path)

    async def _all_pages(self, path: str, params: dict[str, Any], page: int = 1000) -> list[Record]:
        """Every record of a list endpoint (ACA-Py returns 100 per page unless asked)."""
        records: list[Record] = []
        while True:
            result = await self._request(
                "GET", path, params={**params, "limit": page, "offset": len(records)}
            )
            records += result["results"]
            if len(result["results"]) < page:
                return records

    def _unreachable(self, what: str) -> str:
        cause = self._liveness() if self._liveness else None
        return f"{what}; {cause}" if cause else what

    # --- status -------------------------------------------------------------------------
    async def is_ready(self) -> bool:
        """Ready to take work: the agent says so and our offline loader is bound (503 until then).

        A 404 for the plugin's route means the plugin is not loaded: that raises, it is no "not yet".
        """
        try:
            status = await self._request("GET", "/status/ready")
            if not status.get("ready"):
                return False
            contexts = await self._request("GET", "/mcred/contexts")
        except (AgentUnavailableError, AgentServerError):
            return False
        return bool(contexts.get("offline_loader"))

    async def bundled_contexts(self) -> list[str]:
        return (await self._request("GET", "/mcred/contexts"))["contexts"]

    # --- tenants (a multitenant agent, as its administrator) --------------------------------
    async def create_tenant(self, name: str, *, label: str) -> tuple[str, str]:
        """A tenant wallet (managed: the agent holds its key); returns its id and a token for it. Its events
        reach the agent's webhook URL with an ``x-wallet-id`` header."""
        body = {"wallet_name": name, "label": label, "key_management_mode": "managed"}
        result = await self._request("POST", "/multitenancy/wallet", json=body)
        return result["wallet_id"], result["token"]

    async def tenant_token(self, wallet_id: str) -> str:
        """A new token for the tenant; the agent accepts only the newest (the one before stops working)."""
        return (await self._request("POST", f"/multitenancy/wallet/{wallet_id}/token", json={}))["token"]

    async def adopt(self, wallet_id: str, did: str) -> bool:
        """Move a DID of the base wallet, with its key and chain account, into the tenant's wallet (our
        plugin); False if the tenant already held it (a move finished before)."""
        return (await self._request("POST", f"/mcred/tenants/{wallet_id}/adopt", json={"did": did}))["moved"]

    # --- DIDs ---------------------------------------------------------------------------
    async def create_did_key(self) -> DidInfo:
        result = await self._request(
            "POST", "/wallet/did/create", json={"method": "key", "options": {"key_type": "ed25519"}}
        )
        return _did_info(result["result"])

    async def list_dids(self, method: str | None = None) -> list[DidInfo]:
        result = await self._request("GET", "/wallet/did", params={"method": method})
        return [_did_info(item) for item in result["results"]]

    async def resolve_did(self, did: str) -> Record:
        return (await self._request("GET", f"/resolver/resolve/{did}"))["did_document"]

    # --- out-of-band and connections ----------------------------------------------------
    async def create_invitation(
        self,
        *,
        label: str | None = None,
        image_url: str | None = None,
        alias: str | None = None,
        goal_code: str | None = None,
        goal: str | None = None,
        handshake: bool = True,
        attachments: list[Record] | None = None,
        multi_use: bool = False,
    ) -> Invitation:
        """``label`` and ``image_url`` are what the wallet shows for us (its connection's name and picture);
        ``goal`` (shown by wallets) needs a ``goal_code`` too (e.g. ``aries.vc.issue``).

        ACA-Py 1.7 takes an invitation's ``imageUrl`` only from the agent's start-up settings, one for every
        invitation; the invitation is an unsigned message that travels in the URL, so the image is added to
        the message and the URL here (the agent matches the wallet's answer by the message id alone)."""
        body: Record = {
            "my_label": label,
            "alias": alias,
            "goal_code": goal_code,
            "goal": goal,
            "attachments": attachments or [],
        }
        if handshake:
            body["handshake_protocols"] = [DIDEXCHANGE_1_1]
        body = {k: v for k, v in body.items() if v is not None}
        record = await self._request(
            "POST",
            "/out-of-band/create-invitation",
            json=body,
            params={"auto_accept": True, "multi_use": multi_use},
        )
        message, url = record["invitation"], record["invitation_url"]
        if image_url:
            message = {**message, "imageUrl": image_url}
            oob = base64.urlsafe_b64encode(json.dumps(message).encode()).decode().rstrip("=")
            url = url.split("?", 1)[0] + "?oob=" + oob
        return Invitation(
            oob_id=record["oob_id"], invitation_msg_id=record["invi_msg_id"], url=url, message=message
        )

    async def receive_invitation(self, invitation: Record, *, alias: str | None = None) -> Record:
        return await self._request(
            "POST",
            "/out-of-band/receive-invitation",
            json=invitation,
            params={"auto_accept": True, "alias": alias},
        )

    async def connection(self, connection_id: str) -> Record:
        return await self._request("GET", f"/connections/{connection_id}")

    async def connections(
        self, *, invitation_msg_id: str | None = None, state: str | None = None
    ) -> list[Record]:
        return await self._all_pages("/connections", {"invitation_msg_id": invitation_msg_id, "state": state})

    async def accept_connection_request(self, connection_id: str) -> Record:
        """Answer a didexchange request left unanswered (an auto-accept a crash or overload cut short)."""
        return await self._request("POST", f"/didexchange/{connection_id}/accept-request")

    # --- issue-credential v2, ld_proof (Aries RFC 0593) --------------------------------------
    async def offer_credential(
        self,
        connection_id: str,
        credential: Record,
        options: Record,
        *,
        comment: str | None = None,
    ) -> Record:
        """Offer a JSON-LD credential; the record is kept after it is done (we track every exchange).

        ACA-Py's holder refuses a credential carrying ``credentialStatus`` unless the offer's options
        announced a status of the same type, so the options announce it here.
        """
        status = credential.get("credentialStatus")
        if status and "credentialStatus" not in options:
            first = status[0] if isinstance(status, list) else status
            options = {**options, "credentialStatus": {"type": first["type"]}}
        body = {
            "connection_id": connection_id,
            "comment": comment,
            "auto_remove": False,
            "filter": {"ld_proof": {"credential": credential, "options": options}},
        }
        return await self._request("POST", "/issue-credential-2.0/send-offer", json=body)

    async def credential_exchange(self, cred_ex_id: str) -> Record:
        """The exchange record itself (ACA-Py wraps it as ``cred_ex_record`` beside per-format details)."""
        detail = await self._request("GET", f"/issue-credential-2.0/records/{cred_ex_id}")
        return detail["cred_ex_record"]

    async def credential_exchanges(
        self,
        *,
        connection_id: str | None = None,
        thread_id: str | None = None,
        state: str | None = None,
    ) -> list[Record]:
        details = await self._all_pages(
            "/issue-credential-2.0/records",
            {"connection_id": connection_id, "thread_id": thread_id, "state": state},
        )
        return [detail["cred_ex_record"] for detail in details]

    async def issue_credential(self, cred_ex_id: str) -> Record:
        """Issue on an exchange waiting in ``request-received`` (resumes one a crash interrupted)."""
        detail = await self._request("POST", f"/issue-credential-2.0/records/{cred_ex_id}/issue", json={})
        return detail["cred_ex_record"]

    async def abandon_credential_exchange(self, cred_ex_id: str, description: str) -> None:
        """Tell the wallet the exchange is over (problem report) and mark it abandoned here."""
        await self._request(
            "POST",
            f"/issue-credential-2.0/records/{cred_ex_id}/problem-report",
            json={"description": description},
        )

    async def w3c_credentials(self, *, types: list[str] | None = None) -> list[Record]:
        # An empty "types" list crashes ACA-Py 1.7's query builder (IndexError): send none instead.
        query: Record = {"max_results": 10_000, **({"types": types} if types else {})}
        result = await self._request("POST", "/credentials/w3c", json=query)
        return result["results"]

    # --- present-proof v2, DIF Presentation Exchange -----------------------------------------
    async def request_presentation(
        self,
        connection_id: str | None,
        presentation_definition: Record,
        *,
        challenge: str,
        domain: str,
        comment: str | None = None,
    ) -> Record:
        """Send a request on a connection, or (``connection_id=None``) create one for an OOB invitation."""
        body: Record = {
            "comment": comment,
            "auto_verify": True,
            "auto_remove": False,
            "presentation_request": {
                "dif": {
                    "options": {"challenge": challenge, "domain": domain},
                    "presentation_definition": presentation_definition,
                }
            },
        }
        if connection_id is None:
            return await self._request("POST", "/present-proof-2.0/create-request", json=body)
        body["connection_id"] = connection_id
        return await self._request("POST", "/present-proof-2.0/send-request", json=body)

    async def send_message(self, connection_id: str, content: str) -> None:
        """A basic message (RFC 0095): what a wallet shows as a chat line."""
        await self._request("POST", f"/connections/{connection_id}/send-message", json={"content": content})

    async def presentation_exchanges(self, *, connection_id: str | None = None) -> list[Record]:
        return await self._all_pages("/present-proof-2.0/records", {"connection_id": connection_id})

    async def presentation_exchange(self, pres_ex_id: str) -> Record:
        return await self._request("GET", f"/present-proof-2.0/records/{pres_ex_id}")

    # --- signing and verifying ----------------------------------------------------------------
    async def sign_data_integrity(self, credential: Record) -> Record:
        """A ``DataIntegrityProof`` (``eddsa-rdfc-2022``) by the credential's issuer, whose did:key is in the
        agent's wallet (our plugin: ACA-Py 1.7 has no eddsa-rdfc-2022 suite)."""
        result = await self._request("POST", "/mcred/credentials/sign", json={"credential": credential})
        return result["verifiableCredential"]

    async def chain_account(self, did: str) -> str:
        """The address of the DID's own chain account, a key in the agent's wallet (made on first use)."""
        return (await self._request("POST", f"/mcred/chain/accounts/{did}"))["address"]

    async def sign_delegation(
        self,
        did: str,
        *,
        chain_id: int,
        registry: str,
        delegate: str,
        allowed: bool,
        nonce: int,
        deadline: int,
    ) -> str:
        """The DID's chain account signs a StatusRegistry delegation (EIP-712); returns the signature."""
        body = {"chain_id": chain_id, "registry": registry, "delegate": delegate, "allowed": allowed,
                "nonce": nonce, "deadline": deadline}  # fmt: skip
        return (await self._request("POST", f"/mcred/chain/accounts/{did}/delegations", json=body))[
            "signature"
        ]

    async def sign_jwt(self, did: str, payload: Record, *, typ: str) -> str:
        """A compact JWS by the DID's key in the agent's wallet (ACA-Py's own JWT route: ``alg`` from the key
        type, ``kid`` its verification method — a did:key URL any verifier resolves)."""
        return await self._request(
            "POST", "/wallet/jwt/sign", json={"did": did, "headers": {"typ": typ}, "payload": payload}
        )

    async def sign_credential(self, credential: Record, options: Record | None = None) -> Record:
        """ACA-Py's own linked-data proofs (Ed25519Signature2018 / 2020), through its VC-API."""
        result = await self._request(
            "POST",
            "/vc/credentials/issue",
            json={"credential": credential, "options": options or {}},
        )
        return result["verifiableCredential"]

    async def verify_credential(self, credential: Record) -> Record:
        """Signature, structure and proof purpose only (status, expiry and trust are ours to check)."""
        return await self._request(
            "POST", "/vc/credentials/verify", json={"verifiableCredential": credential}
        )

    async def verify_presentation(self, presentation: Record, options: Record) -> Record:
        return await self._request(
            "POST",
            "/vc/presentations/verify",
            json={"verifiablePresentation": presentation, "options": options},
        )


def _param(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


def _did_info(item: Record) -> DidInfo:
    return DidInfo(did=item["did"], verkey=item["verkey"], key_type=item["key_type"], method=item["method"])


def _error_for(response: httpx.Response, method: str, path: str) -> AgentError:
    status = response.status_code
    message = _agent_message(response)
    if status in (401, 403):
        cls = AgentAuthError
    elif status == 404:
        cls = AgentNotFoundError
    elif status in (400, 409, 422):
        cls = AgentRejectedError
    elif status >= 500:
        cls = AgentServerError
    else:
        cls = AgentError
    return cls(message, method=method, path=path, status=status)
