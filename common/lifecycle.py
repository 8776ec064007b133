"""Forward-only states with explicit final ones, for every record that follows a process to its end (an offer,
a proof request, a claim): a state is entered only from an earlier one, a final state from any that is not
final, and nothing leaves a final state. Webhooks come late, twice or out of order and the reconciler may act
on the same record at once; whatever arrives, a record's history only moves forward.
"""

from __future__ import annotations

import enum
from typing import Any, Protocol, Self

__all__ = ["Lifecycle", "StateError", "Tracked", "move", "required"]


class Lifecycle(enum.StrEnum):
    """Members in progress order; a subclass says which are final (its ``final`` property)."""

    @property
    def final(self) -> bool:
        raise NotImplementedError

    @property
    def rank(self) -> int:
        """Position in the process; every final state ranks after every other."""
        members = list(type(self))
        return len(members) if self.final else members.index(self)

    def may_become(self, new: Self) -> bool:
        return not self.final and new.rank > self.rank


class Tracked(Protocol):
    state: Any


def move(record: Tracked, new: Lifecycle) -> bool:
    """Set ``record.state`` to ``new`` if that is forward; False (and nothing changed) otherwise."""
    if not type(new)(record.state).may_become(new):
        return False
    record.state = new
    return True


class StateError(RuntimeError):
    """A record lacks what its state guarantees: the database was changed under the controller."""


def required[T](value: T | None, what: str) -> T:
    """A field the record's state guarantees (a connected offer has its connection, an offered one its
    exchange): the value, or ``StateError`` naming ``what`` is missing."""
    if value is None:
        raise StateError(f"{what} is missing")
    return value
