"""The anchoring worker: pending status changes, batched per list into one StatusRegistry transaction.

Exactly once, whatever fails: a batch is stored (``prepared``) before its transaction is sent, and the
contract applies an update only on top of the version it names. So after an RPC outage or a crash the worker
reads the list on chain and knows which case it is in: the batch is there (record it), the chain is where
the batch started (send it, again if need be), or someone else moved the list (resync, re-batch).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import or_, select

from agent.errors import AgentError
from common.db import existing
from revocation import status_registry as registry
from revocation.errors import ChainError, ContractRevertError, TransactionTimeoutError

from ..context import IssuerContext
from ..models import (
    BatchState,
    ChangeState,
    Institution,
    OfferEvent,
    StatusAction,
    StatusAllocation,
    StatusBatch,
    StatusChange,
    StatusList,
    now,
)
from .institutions import record_chain_account
from .status_lists import bits_of, publish, served_url

log = logging.getLogger(__name__)

DELEGATION_TTL = 3600
"""Seconds a signed delegation may wait to be mined."""

PAST = {
    StatusAction.REVOKE: "revoked",
    StatusAction.SUSPEND: "suspended",
    StatusAction.REINSTATE: "reinstated",
}


async def anchor_forever(ctx: IssuerContext) -> None:
    """A request wakes the worker; it waits ``anchor_gather`` so requests made together share a
    transaction. Without requests it still passes every ``anchor_interval`` (retrying after an outage)."""
    while True:
        try:
            await asyncio.wait_for(ctx.anchor_wakeup.wait(), ctx.settings.anchor_interval)
            await asyncio.sleep(ctx.settings.anchor_gather)
        except TimeoutError:
            pass
        ctx.anchor_wakeup.clear()
        try:
            await anchor_pass(ctx)
        except ChainError as err:
            log.warning("anchoring waits for the chain: %s", err)
        except Exception:  # the worker must outlive one bad pass; the outbox keeps the work
            log.exception("anchoring pass failed")


async def anchor_pass(ctx: IssuerContext) -> None:
    """One instance anchors at a time (a lease): so a list's pending changes go into one batch, sent by one
    instance."""
    async with ctx.leases.held("anchoring") as mine:
        if mine:
            await _anchor_pass(ctx)


async def _anchor_pass(ctx: IssuerContext) -> None:
    async with ctx.sessions() as session:
        uncreated = list(await session.scalars(select(StatusList.id).where(StatusList.chain_block.is_(None))))
        busy = list(
            await session.scalars(
                select(StatusChange.list_id).where(StatusChange.state != ChangeState.ANCHORED).distinct()
            )
        )
    for list_id in uncreated:
        async with _one_institution(list_id), ctx.anchoring:
            await _create_on_chain(ctx, list_id)
    for list_id in busy:
        async with _one_institution(list_id):
            await _anchor_list(ctx, list_id)
    async with ctx.sessions() as session:
        unsigned = list(
            await session.scalars(
                select(StatusList).where(
                    or_(StatusList.signed_version.is_(None), StatusList.signed_version != StatusList.version)
                )
            )
        )
    for status_list in unsigned:
        async with _one_institution(status_list.id):
            await publish(ctx, status_list)


@asynccontextmanager
async def _one_institution(list_id: str) -> AsyncIterator[None]:
    """A list whose institution's agent cannot answer now (its shard is down) waits for the next pass; the
    other institutions' lists go on."""
    try:
        yield
    except AgentError as err:
        log.warning("status list %s waits for its institution's agent: %s", list_id, err)


def _key(ctx: IssuerContext, status_list: StatusList) -> bytes:
    return registry.list_id(served_url(ctx.settings.public_url, status_list))


async def ensure_lists_on_chain(ctx: IssuerContext, offer_id: str) -> None:
    """Before a credential goes out, the lists it points to exist on chain: a verifier can read its status
    from the moment the learner holds it. ChainError when the chain is unreachable (the offer waits)."""
    if ctx.chain is None:
        return
    async with ctx.sessions() as session:
        missing = list(
            await session.scalars(
                select(StatusList.id)
                .join(StatusAllocation, StatusAllocation.list_id == StatusList.id)
                .where(StatusAllocation.offer_id == offer_id, StatusList.chain_block.is_(None))
            )
        )
    for list_id in missing:
        async with ctx.anchoring:
            await _create_on_chain(ctx, list_id)


async def _create_on_chain(ctx: IssuerContext, list_id: str) -> None:
    """Idempotent: a list created by a pass that crashed before recording it is found and recorded. The list
    belongs to the institution's own account (the one IssuerRegistry binds to its DID)."""
    async with ctx.sessions() as session:
        status_list = await existing(session, StatusList, list_id)
    if status_list.chain_block is not None:
        return
    owner = await _list_owner(ctx, status_list.institution_id)
    (chain, address), key = ctx.status_registry(), _key(ctx, status_list)
    on_chain = await registry.list_state(chain, address, key)
    if on_chain.exists:
        if on_chain.owner not in (owner, chain.address):  # ours: made before lists were institutions'
            log.error("status list %s: its id belongs to %s on chain, not to us", list_id, on_chain.owner)
            return
        block = on_chain.created_block
    else:
        purpose = registry.Purpose.named(status_list.purpose)
        block = await registry.create_list(chain, address, key, purpose, status_list.size, owner=owner)
    async with ctx.sessions() as session, session.begin():
        (await existing(session, StatusList, list_id)).chain_block = block


async def _list_owner(ctx: IssuerContext, institution_id: str) -> str:
    """The institution's chain account, with the controller's account its delegate on StatusRegistry: the
    account (a key in the agent's wallet) signs the delegation once, the controller submits it and pays."""
    async with ctx.sessions() as session:
        institution = await existing(session, Institution, institution_id)
    owner = institution.chain_account or await record_chain_account(ctx, institution)
    chain, address = ctx.status_registry()
    relayer = chain.address
    if await registry.is_delegate(chain, address, owner, relayer):
        return owner
    deadline = int(now().timestamp()) + DELEGATION_TTL
    signature = await ctx.agents.of(institution).sign_delegation(
        institution.did,
        chain_id=await chain.chain_id(),
        registry=address,
        delegate=relayer,
        allowed=True,
        nonce=await registry.delegation_nonce(chain, address, owner),
        deadline=deadline,
    )
    await registry.set_delegate_by_sig(chain, address, owner, relayer, True, deadline, signature)
    log.info("institution %s: %s now writes the status lists of %s", institution.id, relayer, owner)
    return owner


async def _anchor_list(ctx: IssuerContext, list_id: str) -> None:
    batch = await _open_batch(ctx, list_id)
    if batch is None:
        return
    async with ctx.sessions() as session:
        status_list = await existing(session, StatusList, list_id)
    (chain, address), key = ctx.status_registry(), _key(ctx, status_list)
    try:
        on_chain = await registry.list_state(chain, address, key)
        case = where_is(batch, on_chain)
        if case is Case.APPLIED:
            found = await registry.find_update(chain, address, key, on_chain.version)
            tx_hash, block = found.tx_hash, found.block
        elif case is Case.TO_SEND:
            await _attempted(ctx, batch.id, None)
            tx_hash, block = await registry.update(
                chain,
                address,
                key,
                batch.base_version,
                batch.set_indexes,
                batch.cleared_indexes,
                bytes.fromhex(batch.commitment[2:]),
            )
        else:
            await _supersede(ctx, batch, await registry.read_list(chain, address, key))
            return
    except (TransactionTimeoutError, ContractRevertError) as err:
        await _attempted(ctx, batch.id, str(err))  # the next pass reads the chain and knows which case
        log.warning("status list %s, batch %s: %s", list_id, batch.id, err)
        return
    except ChainError as err:
        await _attempted(ctx, batch.id, str(err))
        raise
    await _confirm(ctx, batch.id, tx_hash, block)
    async with ctx.sessions() as session:
        await publish(ctx, await existing(session, StatusList, list_id))


class Case(enum.Enum):
    APPLIED = "the batch is on chain (sent before a crash, or its receipt was lost): record it"
    TO_SEND = "the chain is where the batch starts: send it (again)"
    MOVED = "the list moved on chain without this batch: resync and re-batch"


def where_is(batch: StatusBatch, on_chain: registry.ChainList) -> Case:
    if on_chain.version == batch.base_version + 1 and "0x" + on_chain.commitment.hex() == batch.commitment:
        return Case.APPLIED
    if on_chain.version == batch.base_version:
        return Case.TO_SEND
    return Case.MOVED


async def _open_batch(ctx: IssuerContext, list_id: str) -> StatusBatch | None:
    """The list's prepared batch, or a new one from its pending changes (the last change of an index
    wins); None when there is nothing to anchor."""
    async with ctx.sessions() as session, session.begin():
        batch = await session.scalar(
            select(StatusBatch).where(
                StatusBatch.list_id == list_id, StatusBatch.state == BatchState.PREPARED
            )
        )
        if batch is not None:
            return batch
        pending = list(
            await session.scalars(
                select(StatusChange)
                .where(StatusChange.list_id == list_id, StatusChange.state == ChangeState.PENDING)
                .order_by(StatusChange.requested_at)
            )
        )
        if not pending:
            return None
        status_list = await existing(session, StatusList, list_id)
        if status_list.chain_block is None:
            return None  # created on chain first, by the same pass
        bits = bits_of(status_list)
        final = {c.index: StatusAction(c.action).bit for c in pending}
        set_ = sorted(i for i, on in final.items() if on)
        cleared = sorted(i for i, on in final.items() if not on)
        bits.update(set_, cleared)
        batch = StatusBatch(
            list_id=list_id,
            base_version=status_list.version,
            set_indexes=set_,
            cleared_indexes=cleared,
            commitment="0x" + bits.commitment().hex(),
            encoded_list=bits.encode(),
        )
        session.add(batch)
        await session.flush()
        for change in pending:
            change.state, change.batch_id = ChangeState.BATCHED, batch.id
    return batch


async def _attempted(ctx: IssuerContext, batch_id: str, error: str | None) -> None:
    async with ctx.sessions() as session, session.begin():
        batch = await existing(session, StatusBatch, batch_id)
        batch.attempts += 1
        batch.last_error = error


async def _confirm(ctx: IssuerContext, batch_id: str, tx_hash: str, block: int) -> None:
    async with ctx.sessions() as session, session.begin():
        batch = await existing(session, StatusBatch, batch_id)
        if batch.state == BatchState.CONFIRMED:
            return
        moment = now()
        batch.state, batch.tx_hash, batch.block_number, batch.confirmed_at = (
            BatchState.CONFIRMED,
            tx_hash,
            block,
            moment,
        )
        status_list = await existing(session, StatusList, batch.list_id)
        status_list.version, status_list.encoded_list = batch.base_version + 1, batch.encoded_list
        for change in await session.scalars(select(StatusChange).where(StatusChange.batch_id == batch_id)):
            change.state, change.anchored_at = ChangeState.ANCHORED, moment
            detail = f"{change.reason} (transaction {tx_hash}, block {block})"
            session.add(
                OfferEvent(offer_id=change.offer_id, state=PAST[StatusAction(change.action)], detail=detail)
            )


async def _supersede(ctx: IssuerContext, batch: StatusBatch, chain: registry.ReadBack) -> None:
    """The list moved on chain without this batch (a restored database, a second writer): take the
    chain's bits as ours and put the batch's changes back in the outbox, to be batched on top of them."""
    log.warning(
        "status list %s is at version %d on chain, batch %s expected %d: resynced from the chain",
        batch.list_id, chain.state.version, batch.id, batch.base_version,
    )  # fmt: skip
    async with ctx.sessions() as session, session.begin():
        stored = await existing(session, StatusBatch, batch.id)
        stored.state = BatchState.SUPERSEDED
        stored.last_error = (
            f"list at version {chain.state.version} on chain, batch built on {batch.base_version}"
        )
        for change in await session.scalars(select(StatusChange).where(StatusChange.batch_id == batch.id)):
            change.state, change.batch_id = ChangeState.PENDING, None
        status_list = await existing(session, StatusList, batch.list_id)
        status_list.version, status_list.encoded_list = chain.state.version, chain.bits.encode()
