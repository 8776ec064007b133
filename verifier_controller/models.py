"""What the verifier controller persists: employers, proof requests (every one ends in a final state, with
its report and history) and verifications of what someone sent."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.accounts import AuditRow, SessionRow, SignInFailureRow, UserRow
from common.agents import TenantColumns
from common.clock import now
from common.leases import LeaseRow
from common.lifecycle import Lifecycle

from .domain import Protocol


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Employer(TenantColumns, Base):
    __tablename__ = "employers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    """What candidates' wallets show for the employer (invitations)."""
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    logo_url: Mapped[str | None] = mapped_column(String(500))
    """An HTTPS image wallets show beside the name."""
    did: Mapped[str | None] = mapped_column(String(200))
    """The employer's did:key in the verifier agent's wallet: signs its OpenID4VP requests (made on first
    use); its client id is ``decentralized_identifier:<did>``."""


class RequestState(Lifecycle):
    INVITED = "invited"
    CONNECTED = "connected"
    REQUESTED = "requested"
    VERIFIED = "verified"
    """Final: a presentation arrived and every check passed."""
    REJECTED = "rejected"
    """Final: a presentation arrived and some check failed (the report says which)."""
    FAILED = "failed"
    """Final: no presentation (the wallet declined or could not answer)."""
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self in (
            RequestState.VERIFIED,
            RequestState.REJECTED,
            RequestState.FAILED,
            RequestState.EXPIRED,
        )


class CallbackState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    GAVE_UP = "gave-up"


class ProofRequest(Base):
    __tablename__ = "proof_requests"
    __table_args__ = (Index("ix_proof_requests_state", "state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    employer_id: Mapped[str] = mapped_column(ForeignKey("employers.id"), index=True)
    criteria: Mapped[dict[str, Any]]
    protocol: Mapped[str] = mapped_column(String(16), default=Protocol.DIDCOMM, server_default="didcomm")
    purpose: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=RequestState.INVITED)
    error: Mapped[str | None] = mapped_column(Text)
    challenge: Mapped[str] = mapped_column(String(64), unique=True)
    """DIDComm: the presentation's challenge; OpenID4VP: the request's nonce."""
    domain: Mapped[str] = mapped_column(String(300))
    """DIDComm: the presentation's domain; OpenID4VP: our client id (the key binding JWT's aud)."""
    invitation_msg_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_url: Mapped[str | None] = mapped_column(Text)
    connection_id: Mapped[str | None] = mapped_column(String(64), index=True)
    pres_ex_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    thread_id: Mapped[str | None] = mapped_column(String(64), index=True)
    verified: Mapped[bool | None]
    report: Mapped[dict[str, Any] | None]
    presentation: Mapped[dict[str, Any] | None]
    """What the wallet presented, as received (the report's evidence)."""
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    callback_state: Mapped[str | None] = mapped_column(String(16))
    callback_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Optimistic lock: a webhook and the reconciler changing the request at once; the later re-reads."""
    events: Mapped[list[ProofRequestEvent]] = relationship(
        order_by="ProofRequestEvent.id", cascade="all, delete-orphan", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}


class ProofRequestEvent(Base):
    __tablename__ = "proof_request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("proof_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class Verification(Base):
    """A credential or presentation someone sent (API or the public page), with its report."""

    __tablename__ = "verifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    verified: Mapped[bool]
    report: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=now)


class Lease(LeaseRow, Base):
    """Work one instance does at a time (``common.leases``)."""


class StaffUser(UserRow, Base):
    """A member of an employer's staff (``common.accounts``)."""

    __owner__ = "employers.id"


class StaffSession(SessionRow, Base):
    pass


class SignInFailure(SignInFailureRow, Base):
    pass


class AuditEvent(AuditRow, Base):
    __owner__ = "employers.id"
