"""The served status lists: the bits anchored on chain, signed by the institution's DID. A W3C
``BitstringStatusListCredential`` (``DataIntegrityProof`` / ``eddsa-rdfc-2022``, as the standard credential
copies) or, for SD-JWT VCs, an IETF ``statuslist+jwt`` (EdDSA, ``kid`` the institution's did:key).

Signed once per anchored version and stored, so every request serves the same bytes (a stable ETag) and
signing happens only when the chain moved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import update

from common.db import existing
from revocation.bitstring import Bitstring
from revocation.status_list import list_credential
from revocation.status_registry import Purpose
from revocation.token_status_list import status_list_claims

from ..context import IssuerContext
from ..errors import NotFound
from ..models import Institution, StatusList, now

TOKEN_LIST_TYP = "statuslist+jwt"


def list_url(public_url: str, list_id: str) -> str:
    """The ``statusListCredential`` URL; its keccak256 is the list's id on chain."""
    return f"{public_url}/status-lists/{list_id}"


def token_list_url(public_url: str, list_id: str) -> str:
    """A token status list's ``uri`` (the JWT's ``sub``); its keccak256 is the list's id on chain."""
    return f"{public_url}/token-status-lists/{list_id}"


def served_url(public_url: str, status_list: StatusList) -> str:
    url = token_list_url if status_list.purpose == "token" else list_url
    return url(public_url, status_list.id)


def bits_of(status_list: StatusList) -> Bitstring:
    """The list's anchored bits, in its kind's bit order and encoding."""
    empty = Purpose.named(status_list.purpose).bits(status_list.size)
    return type(empty).decode(status_list.encoded_list) if status_list.encoded_list else empty


@dataclass(frozen=True)
class ServedList:
    body: bytes
    etag: str
    version: int


def _served(body: bytes, version: int) -> ServedList:
    return ServedList(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', version)


def _credential_body(credential: dict) -> bytes:
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()


async def signed_list(ctx: IssuerContext, list_id: str, *, token: bool = False) -> ServedList:
    """The list of the latest anchored version (a credential, or with ``token`` a JWT), signed now if that
    version is not yet."""
    async with ctx.sessions() as session:
        status_list = await session.get(StatusList, list_id)
        if status_list is None or (status_list.purpose == "token") != token:
            raise NotFound(f"no status list {list_id}")
        version = status_list.version
        if status_list.signed_version == version:
            if token and status_list.token is not None:
                return _served(status_list.token.encode(), version)
            if not token and status_list.credential is not None:
                return _served(_credential_body(status_list.credential), version)
        institution = await existing(session, Institution, status_list.institution_id)
    url = served_url(ctx.settings.public_url, status_list)
    if token:
        lst = bits_of(status_list).encode()
        claims = status_list_claims(url, lst, int(now().timestamp()), ctx.settings.token_status_ttl)
        signed_jwt = await ctx.agents.of(institution).sign_jwt(institution.did, claims, typ=TOKEN_LIST_TYP)
        values, body = {"token": signed_jwt}, signed_jwt.encode()
    else:
        unsigned = list_credential(url, institution.did, status_list.purpose, bits_of(status_list).encode())
        signed = await ctx.agents.of(institution).sign_data_integrity(unsigned)
        values, body = {"credential": signed}, _credential_body(signed)
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            update(StatusList)
            .where(StatusList.id == list_id, StatusList.version == version)
            .values(signed_version=version, **values)
        )
    return _served(body, version)


async def publish(ctx: IssuerContext, status_list: StatusList) -> None:
    """Sign the list's latest anchored version, whichever kind it is."""
    await signed_list(ctx, status_list.id, token=status_list.purpose == "token")
