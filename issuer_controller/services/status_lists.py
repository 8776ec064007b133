"""The served BitstringStatusListCredential: the bits anchored on chain, signed by the institution's DID
(``DataIntegrityProof`` / ``eddsa-rdfc-2022``, as the standard credential copies).

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

from ..context import IssuerContext
from ..errors import NotFound
from ..models import Institution, StatusList


def list_url(public_url: str, list_id: str) -> str:
    """The ``statusListCredential`` URL; its keccak256 is the list's id on chain."""
    return f"{public_url}/status-lists/{list_id}"


@dataclass(frozen=True)
class ServedList:
    body: bytes
    etag: str
    version: int


def _served(credential: dict, version: int) -> ServedList:
    body = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()
    return ServedList(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', version)


async def signed_list(ctx: IssuerContext, list_id: str) -> ServedList:
    """The list credential of the latest anchored version, signed now if that version is not yet."""
    async with ctx.sessions() as session:
        status_list = await session.get(StatusList, list_id)
        if status_list is None:
            raise NotFound(f"no status list {list_id}")
        version = status_list.version
        if status_list.credential is not None and status_list.signed_version == version:
            return _served(status_list.credential, version)
        institution = await existing(session, Institution, status_list.institution_id)
    encoded = status_list.encoded_list or Bitstring(status_list.size).encode()
    unsigned = list_credential(
        list_url(ctx.settings.public_url, list_id), institution.did, status_list.purpose, encoded
    )
    signed = await ctx.agent.sign_data_integrity(unsigned)
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            update(StatusList)
            .where(StatusList.id == list_id, StatusList.version == version)
            .values(credential=signed, signed_version=version)
        )
    return _served(signed, version)
