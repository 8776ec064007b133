"""What a status request may do given the credential's changes, and where a batch stands after a crash."""

from __future__ import annotations

import pytest

from issuer_controller.errors import Conflict
from issuer_controller.models import Offer, StatusAction, StatusBatch, StatusChange
from issuer_controller.services.anchoring import Case, where_is
from issuer_controller.services.status_changes import _repeat_or_refuse, effective
from revocation.status_registry import ChainList, Purpose

COMMITMENT = bytes(range(32))


def offer_with(*actions: StatusAction) -> Offer:
    offer = Offer(id="o1")
    offer.status_changes = [StatusChange(action=a, reason="r", batch=None) for a in actions]
    return offer


@pytest.mark.parametrize(
    ("history", "asked", "repeats"),
    [
        ((), StatusAction.REVOKE, None),
        ((), StatusAction.SUSPEND, None),
        ((StatusAction.REVOKE,), StatusAction.REVOKE, 0),
        ((StatusAction.SUSPEND,), StatusAction.SUSPEND, 0),
        ((StatusAction.SUSPEND,), StatusAction.REINSTATE, None),
        ((StatusAction.SUSPEND,), StatusAction.REVOKE, None),
        ((StatusAction.SUSPEND, StatusAction.REINSTATE), StatusAction.REINSTATE, 1),
        ((StatusAction.SUSPEND, StatusAction.REINSTATE), StatusAction.SUSPEND, None),
    ],
)
def test_a_repeat_returns_the_change_already_made(history, asked, repeats) -> None:
    offer = offer_with(*history)
    expected = None if repeats is None else offer.status_changes[repeats]
    assert _repeat_or_refuse(offer, asked) is expected


@pytest.mark.parametrize(
    ("history", "asked", "says"),
    [
        ((StatusAction.REVOKE,), StatusAction.SUSPEND, "revocation is final"),
        ((StatusAction.SUSPEND, StatusAction.REVOKE), StatusAction.REINSTATE, "revocation is final"),
        ((), StatusAction.REINSTATE, "not suspended"),
    ],
)
def test_what_the_status_does_not_allow_is_refused(history, asked, says) -> None:
    with pytest.raises(Conflict, match=says):
        _repeat_or_refuse(offer_with(*history), asked)


def test_effective_status_is_the_revocation_and_the_latest_suspension_change() -> None:
    offer = offer_with(StatusAction.SUSPEND, StatusAction.REINSTATE, StatusAction.SUSPEND)
    revoked, suspension = effective(offer.status_changes)
    assert revoked is None and suspension is offer.status_changes[2]


def chain_at(version: int, commitment: bytes = COMMITMENT) -> ChainList:
    return ChainList("0x" + "1" * 40, Purpose.REVOCATION, 131_072, 1, 5, version, commitment)


@pytest.mark.parametrize(
    ("on_chain", "case"),
    [
        (chain_at(3), Case.TO_SEND),  # never sent, or sent and lost: the contract takes it once
        (chain_at(4), Case.APPLIED),  # mined before the crash: record, do not send again
        (chain_at(4, bytes(32)), Case.MOVED),  # someone else's version 4
        (chain_at(6), Case.MOVED),
        (chain_at(2), Case.MOVED),  # our record is ahead of the chain (a chain reset)
    ],
)
def test_after_a_crash_the_chain_says_where_a_batch_stands(on_chain: ChainList, case: Case) -> None:
    batch = StatusBatch(base_version=3, commitment="0x" + COMMITMENT.hex())
    assert where_is(batch, on_chain) is case
