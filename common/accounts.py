"""Staff accounts of an owner (an institution on the issuer, an employer on the verifier): people who sign in
to the console with an e-mail address and a password, each with a role, every change they make audited.
API keys stay for machines.

Passwords are hashed with argon2id (argon2-cffi's defaults: 64 MiB, 3 passes, ~0.2 s here), in a thread and
at most two at once, so sign-ins neither block the event loop nor eat the machine's memory. A session is a
random cookie value stored only as its SHA-256 (as API keys are: ``common.api_keys.key_hash``), with its own
CSRF token; failed sign-ins are counted in the database (per address and per account, so every instance sees
them) and refused past a limit without a hash being computed. Each controller mixes the rows into its own
declarative base, as ``common.leases`` does.
"""

from __future__ import annotations

import asyncio
import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.api_keys import key_hash
from common.clock import aware, now
from common.errors import Conflict, InvalidRequest, NotFound, Problem, Unauthorized

__all__ = [
    "Accounts",
    "AuditRow",
    "Role",
    "SessionRow",
    "SignInFailureRow",
    "SignedIn",
    "TooManyAttempts",
    "UserRow",
    "create_tables",
    "drop_tables",
]

PASSWORD_MIN, PASSWORD_MAX = 12, 256
"""Characters. The upper bound keeps one hash's work bounded whatever is pasted."""
SESSION_IDLE = timedelta(hours=2)
SESSION_LONGEST = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=1)
"""A session's last use is written at most this often (not on every page)."""
PASSWORD_LINK_TTL = timedelta(days=3)
"""A link an administrator (or the API) hands over."""
RESET_LINK_TTL = timedelta(hours=1)
"""A link one asked for oneself, by e-mail."""
RESETS_PER_HOUR = 3
"""Self-service links one account gets an hour: no one can fill someone's mailbox."""
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_ACCOUNT, FAILURES_PER_ADDRESS = 5, 20
"""Failed sign-ins within the window after which more attempts are refused unread."""

_hasher = PasswordHasher()
_hashing = asyncio.Semaphore(2)
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
"""Verified against when the e-mail is unknown: the answer takes as long as for a real account."""


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    """Everything, and the owner's staff and profile."""
    AWARDING = "awarding"
    """Defines microcredentials, awards them, revokes, suspends and reinstates; asks for credentials."""
    READER = "reader"
    """Reads everything, changes nothing."""

    def may(self, needed: Role) -> bool:
        order = [Role.READER, Role.AWARDING, Role.ADMINISTRATOR]
        return order.index(self) >= order.index(needed)


class TooManyAttempts(Problem):
    status, slug, title = 429, "too-many-attempts", "Too many failed sign-ins"
    headers = {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))}


class UserRow:
    """A member of staff. ``__owner__`` names the owner's key column (``institutions.id``)."""

    __owner__: ClassVar[str]

    @declared_attr.directive
    def __tablename__(cls) -> str:
        return "staff_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Lower-cased; one account per address in a controller (it is what one signs in with)."""
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """None until the person sets one through their link."""
    password_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_link_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    @declared_attr
    def owner_id(cls) -> Mapped[str]:
        return mapped_column(ForeignKey(cls.__owner__), index=True)


class SessionRow:
    @declared_attr.directive
    def __tablename__(cls) -> str:
        return "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class SignInFailureRow:
    @declared_attr.directive
    def __tablename__(cls) -> str:
        return "sign_in_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class AuditRow:
    """Who did what, when: kept forever, shown to the owner's staff."""

    __owner__: ClassVar[str]

    @declared_attr.directive
    def __tablename__(cls) -> str:
        return "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(36))
    """None: done with the API key (a machine)."""
    actor: Mapped[str] = mapped_column(String(320))
    """The person's e-mail address (or ``API key``), kept as it was when they acted."""
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)

    @declared_attr
    def owner_id(cls) -> Mapped[str]:
        return mapped_column(ForeignKey(cls.__owner__), index=True)


def create_tables(op, owner_table: str) -> None:
    """For both controllers' migrations: the four tables, the owners' being ``owner_table``."""
    op.create_table(
        "staff_users",
        Column("id", String(36), primary_key=True),
        Column("owner_id", String(36), ForeignKey(f"{owner_table}.id"), nullable=False, index=True),
        Column("email", String(320), nullable=False, unique=True),
        Column("name", String(300), nullable=False),
        Column("role", String(16), nullable=False),
        Column("password_hash", String(200)),
        Column("password_link_hash", String(64), unique=True),
        Column("password_link_expires", DateTime(timezone=True)),
        Column("active", Boolean, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staff_sessions",
        Column("token_hash", String(64), primary_key=True),
        Column("user_id", String(36), ForeignKey("staff_users.id"), nullable=False, index=True),
        Column("csrf", String(64), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("seen_at", DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sign_in_failures",
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("email", String(320), nullable=False, index=True),
        Column("address", String(64), nullable=False, index=True),
        Column("at", DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "audit_events",
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("owner_id", String(36), ForeignKey(f"{owner_table}.id"), nullable=False, index=True),
        Column("user_id", String(36)),
        Column("actor", String(320), nullable=False),
        Column("action", String(40), nullable=False),
        Column("subject", String(200)),
        Column("detail", Text),
        Column("at", DateTime(timezone=True), nullable=False, index=True),
    )


def drop_tables(op) -> None:
    for table in ("audit_events", "sign_in_failures", "staff_sessions", "staff_users"):
        op.drop_table(table)


@dataclass(frozen=True)
class SignedIn:
    """A live session: who, and the CSRF token its forms carry."""

    user: Any
    csrf: str

    @property
    def role(self) -> Role:
        return Role(self.user.role)


def _checked_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidRequest(
            f"password: between {PASSWORD_MIN} and {PASSWORD_MAX} characters",
            errors=[{"field": "password", "reason": f"{PASSWORD_MIN} to {PASSWORD_MAX} characters"}],
        )
    return password


async def _hash(password: str) -> str:
    async with _hashing:
        return await asyncio.to_thread(_hasher.hash, password)


async def _matches(stored: str | None, password: str) -> bool:
    async with _hashing:
        try:
            return await asyncio.to_thread(_hasher.verify, stored or _DUMMY_HASH, password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False


class Accounts:
    """The staff of every owner of one controller: the four row classes of its declarative base."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        user: type[Any],
        session: type[Any],
        failure: type[Any],
        audit: type[Any],
    ):
        self.sessions, self.User, self.Session, self.Failure, self.Audit = (
            sessions, user, session, failure, audit,
        )  # fmt: skip

    async def add_user(
        self, owner_id: str, email: str, name: str, role: Role, password: str | None, actor: str
    ) -> tuple[Any, str | None]:
        """The new account, and its set-password link token when no password was given."""
        email = email.strip().lower()
        link = None if password else secrets.token_urlsafe(32)
        user = self.User(
            id=secrets.token_hex(16),
            owner_id=owner_id,
            email=email,
            name=name.strip(),
            role=role,
            password_hash=await _hash(_checked_password(password)) if password else None,
            password_link_hash=key_hash(link) if link else None,
            password_link_expires=now() + PASSWORD_LINK_TTL if link else None,
            active=True,
        )
        async with self.sessions() as session, session.begin():
            session.add(user)
            session.add(self._event(owner_id, None, actor, "staff-added", email, role))
            try:
                await session.flush()
            except IntegrityError as err:
                raise Conflict(f"email: {email} already has an account") from err
        return user, link

    async def password_link(self, owner_id: str, user_id: str, actor: str) -> tuple[Any, str]:
        """A new set-password link for an account (the old one stops working): a reset."""
        link = secrets.token_urlsafe(32)
        async with self.sessions() as session, session.begin():
            user = await self._user_of(session, owner_id, user_id)
            user.password_link_hash = key_hash(link)
            user.password_link_expires = now() + PASSWORD_LINK_TTL
            session.add(self._event(owner_id, None, actor, "password-link", user.email, None))
        return user, link

    async def set_active(self, owner_id: str, user_id: str, active: bool, actor: Any) -> Any:
        """Disables an account (its sessions end at once, it can sign in no more) or enables it again. No
        one disables themselves: an owner is never left without the administrator who acted."""
        if not active and user_id == actor.id:
            raise Conflict("you cannot disable your own account")
        async with self.sessions() as session, session.begin():
            user = await self._user_of(session, owner_id, user_id)
            if user.active != active:
                user.active = active
                if not active:
                    await session.execute(delete(self.Session).where(self.Session.user_id == user.id))
                action = "staff-enabled" if active else "staff-disabled"
                session.add(self._event(owner_id, actor.id, actor.email, action, user.email, None))
        return user

    async def reset_link(self, email: str) -> tuple[Any, str] | None:
        """A new set-password link for the account at this address, valid an hour; None for an unknown or
        inactive address or past the hourly limit (the caller answers alike: nothing tells which)."""
        email = email.strip().lower()
        A = self.Audit
        async with self.sessions() as session:
            user = await session.scalar(select(self.User).where(self.User.email == email))
            if user is None or not user.active:
                return None
            recent = await session.scalar(
                select(func.count())
                .select_from(A)
                .where(A.user_id == user.id, A.action == "password-reset", A.at > now() - timedelta(hours=1))
            )
        if (recent or 0) >= RESETS_PER_HOUR:
            return None
        link = secrets.token_urlsafe(32)
        async with self.sessions() as session, session.begin():
            row = await session.get(self.User, user.id, with_for_update=True)
            assert row is not None
            row.password_link_hash, row.password_link_expires = key_hash(link), now() + RESET_LINK_TTL
            session.add(self._event(row.owner_id, row.id, row.email, "password-reset", None, None))
        return row, link

    async def link_user(self, link: str) -> Any:
        """The account a set-password link is for, while the link lasts."""
        async with self.sessions() as session:
            user = await session.scalar(
                select(self.User).where(self.User.password_link_hash == key_hash(link))
            )
        if user is None or user.password_link_expires is None or aware(user.password_link_expires) < now():
            raise Unauthorized("this link is not valid (used, replaced or expired): ask for a new one")
        return user

    async def set_password(self, link: str, password: str) -> Any:
        """Sets the password once per link; every session of the account ends."""
        hashed = await _hash(_checked_password(password))
        user = await self.link_user(link)
        async with self.sessions() as session, session.begin():
            user = await session.get(self.User, user.id, with_for_update=True)
            if user is None or user.password_link_hash != key_hash(link):
                raise Unauthorized("this link is not valid (used, replaced or expired): ask for a new one")
            user.password_hash, user.password_link_hash, user.password_link_expires = hashed, None, None
            await session.execute(delete(self.Session).where(self.Session.user_id == user.id))
            session.add(self._event(user.owner_id, user.id, user.email, "password-set", None, None))
        return user

    async def sign_in(self, email: str, password: str, address: str) -> tuple[Any, str]:
        """The account and a new session's cookie value; refused alike for a wrong address or password."""
        email = email.strip().lower()
        F = self.Failure
        since = now() - FAILURE_WINDOW
        async with self.sessions() as session:
            by_account = await session.scalar(
                select(func.count()).select_from(F).where(F.email == email, F.at > since)
            )
            by_address = await session.scalar(
                select(func.count()).select_from(F).where(F.address == address, F.at > since)
            )
            user = await session.scalar(select(self.User).where(self.User.email == email))
        if (by_account or 0) >= FAILURES_PER_ACCOUNT or (by_address or 0) >= FAILURES_PER_ADDRESS:
            raise TooManyAttempts("too many failed sign-ins: wait 15 minutes and try again")
        good = await _matches(user.password_hash if user is not None else None, password[:PASSWORD_MAX])
        if not good or user is None or not user.active:
            async with self.sessions() as session, session.begin():
                session.add(F(email=email[:320], address=address[:64]))
                if user is not None:
                    session.add(self._event(user.owner_id, user.id, email, "sign-in-failed", None, address))
            raise Unauthorized("the e-mail address or the password is wrong")
        token = secrets.token_urlsafe(32)
        async with self.sessions() as session, session.begin():
            session.add(
                self.Session(token_hash=key_hash(token), user_id=user.id, csrf=secrets.token_urlsafe(32))
            )
            session.add(self._event(user.owner_id, user.id, email, "signed-in", None, address))
        return user, token

    async def signed_in(self, token: str) -> SignedIn | None:
        """The session of a cookie value, while it is neither idle too long nor too old."""
        moment = now()
        async with self.sessions() as session:
            row = await session.get(self.Session, key_hash(token))
            if row is None:
                return None
            if aware(row.seen_at) + SESSION_IDLE < moment or aware(row.created_at) + SESSION_LONGEST < moment:
                await session.delete(row)
                await session.commit()
                return None
            user = await session.get(self.User, row.user_id)
            if user is None or not user.active:
                return None
            if aware(row.seen_at) + SEEN_EVERY < moment:
                row.seen_at = moment
                await session.commit()
            return SignedIn(user, row.csrf)

    async def sign_out(self, token: str) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(self.Session, key_hash(token))
            if row is not None:
                user = await session.get(self.User, row.user_id)
                await session.delete(row)
                if user is not None:
                    session.add(self._event(user.owner_id, user.id, user.email, "signed-out", None, None))

    async def users(self, owner_id: str) -> list[Any]:
        async with self.sessions() as session:
            found = await session.scalars(
                select(self.User).where(self.User.owner_id == owner_id).order_by(self.User.created_at)
            )
            return list(found)

    async def record(
        self, owner_id: str, user: Any, action: str, subject: str | None, detail: str | None = None
    ) -> None:
        """One audited action of a member of staff (the API key's own are recorded where they happen)."""
        async with self.sessions() as session, session.begin():
            session.add(self._event(owner_id, user.id, user.email, action, subject, detail))

    async def recent(self, owner_id: str, limit: int = 20) -> list[Any]:
        async with self.sessions() as session:
            found = await session.scalars(
                select(self.Audit)
                .where(self.Audit.owner_id == owner_id)
                .order_by(self.Audit.id.desc())
                .limit(limit)
            )
            return list(found)

    def _event(
        self,
        owner_id: str,
        user_id: str | None,
        actor: str,
        action: str,
        subject: str | None,
        detail: str | None,
    ) -> Any:
        return self.Audit(
            owner_id=owner_id, user_id=user_id, actor=actor, action=action, subject=subject, detail=detail
        )

    async def _user_of(self, session: AsyncSession, owner_id: str, user_id: str) -> Any:
        user = await session.get(self.User, user_id, with_for_update=True)
        if user is None or user.owner_id != owner_id:
            raise NotFound(f"no member of staff {user_id}")
        return user
