"""What the issuer controller persists. Every offer ends in a final state; its history is kept."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.accounts import AuditRow, SessionRow, SignInFailureRow, UserRow
from common.agents import TenantColumns
from common.clock import now
from common.leases import LeaseRow
from common.lifecycle import Lifecycle
from common.microcredential import StatusPurpose
from revocation.token_status_list import BITS as TOKEN_BITS

from .domain import Protocol


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Institution(TenantColumns, Base):
    __tablename__ = "institutions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    country_code: Mapped[str] = mapped_column(String(2))
    url: Mapped[str | None] = mapped_column(String(500))
    identifiers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    did: Mapped[str] = mapped_column(String(200), unique=True)
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    display_name: Mapped[str | None] = mapped_column(String(100))
    """What learners' wallets show for the institution (invitations); its legal ``name`` when unset."""
    logo_url: Mapped[str | None] = mapped_column(String(500))
    """An HTTPS image wallets show beside the name, and the issuer Profile's ``image``."""
    contact_email: Mapped[str | None] = mapped_column(String(320))
    """Where learners write with questions: on the offer page and in invitation e-mails."""
    chain_account: Mapped[str | None] = mapped_column(String(42))
    """The institution's own chain account (a key in its agent's wallet): owns its status lists, and is what
    IssuerRegistry binds to its DID. None only for institutions registered before it existed (made on use)."""

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name


class TemplateStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class Template(Base):
    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    definition: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default=TemplateStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=now)
    retired_at: Mapped[datetime | None]

    @property
    def achievement_id(self) -> str:
        return f"urn:uuid:{self.id}"


ListPurpose = StatusPurpose | Literal["token"]
"""A W3C Bitstring list's purpose, or ``token``: an IETF Token Status List (SD-JWT VCs; both purposes)."""


class StatusList(Base):
    """One status list of an institution: a W3C Bitstring list (revocation or suspension) or an IETF Token
    Status List.

    ``generation`` numbers an institution's lists per purpose; its uniqueness lets only one of several
    concurrent offers open the next list.
    """

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("institution_id", "purpose", "generation", name="uq_status_list_gen"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    purpose: Mapped[ListPurpose] = mapped_column(String(16))
    generation: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=now)
    chain_block: Mapped[int | None]
    """The block the list was created in on chain (None: not yet created there)."""
    version: Mapped[int] = mapped_column(Integer, default=0)
    """The last anchored version; ``encoded_list`` holds its bits (the chain holds their commitment)."""
    encoded_list: Mapped[str | None] = mapped_column(Text)
    credential: Mapped[dict[str, Any] | None]
    """The signed BitstringStatusListCredential of ``signed_version``, as served."""
    signed_version: Mapped[int | None]
    token: Mapped[str | None] = mapped_column(Text)
    """For a token status list (purpose ``token``): the signed ``statuslist+jwt`` of ``signed_version``."""

    @property
    def entries(self) -> int:
        """How many credentials the list can hold: a token list spends two of its ``size`` bits on each."""
        return self.size // TOKEN_BITS if self.purpose == "token" else self.size


class StatusAllocation(Base):
    """An index given to one credential; the primary key makes it unique, rows are never deleted
    so an index is never reused."""

    __tablename__ = "status_allocations"

    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)


class OfferState(Lifecycle):
    INVITED = "invited"
    CONNECTED = "connected"
    OFFERED = "offered"
    ISSUED = "issued"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self in (OfferState.ISSUED, OfferState.FAILED, OfferState.EXPIRED)


class Offer(Base):
    """One learner's microcredential, from invitation to issued (or failed / expired, with the reason)."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("bulk_job_id", "bulk_row", name="uq_offer_bulk_row"),
        Index("ix_offers_state", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)
    protocol: Mapped[str] = mapped_column(String(16), default=Protocol.DIDCOMM, server_default="didcomm")
    learner_name: Mapped[str | None] = mapped_column(String(300))
    learner_email: Mapped[str | None] = mapped_column(String(320))
    learner_ref: Mapped[str | None] = mapped_column(String(200))
    identifier_salt: Mapped[str] = mapped_column(String(64))
    award: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default=OfferState.INVITED)
    error: Mapped[str | None] = mapped_column(Text)
    oob_id: Mapped[str | None] = mapped_column(String(64))
    invitation_msg_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_url: Mapped[str | None] = mapped_column(Text)
    connection_id: Mapped[str | None] = mapped_column(String(64), index=True)
    holder_did: Mapped[str | None] = mapped_column(String(200))
    cred_ex_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    thread_id: Mapped[str | None] = mapped_column(String(64), index=True)
    wallet_credential: Mapped[dict[str, Any] | None]
    standard_credential: Mapped[dict[str, Any] | None]
    bulk_job_id: Mapped[str | None] = mapped_column(ForeignKey("bulk_jobs.id"), index=True)
    bulk_row: Mapped[int | None]
    pre_authorized_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    """OpenID4VCI: the one-time code in the credential offer (a bearer secret, like an invitation URL)."""
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    """OpenID4VCI: sha256 of the transaction code the learner gets apart from the offer, if one was asked."""
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    holder_jwk: Mapped[dict[str, Any] | None]
    """OpenID4VCI: the wallet's public key the credential is bound to (``cnf.jwk``)."""
    sd_jwt: Mapped[str | None] = mapped_column(Text)
    """OpenID4VCI: the SD-JWT VC as delivered, with every disclosure."""
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Optimistic lock: a concurrent change makes the later writer re-read (webhook vs reconciler)."""
    expires_at: Mapped[datetime]
    issued_at: Mapped[datetime | None]

    events: Mapped[list[OfferEvent]] = relationship(
        order_by="OfferEvent.id", cascade="all, delete-orphan", lazy="raise"
    )

    status_changes: Mapped[list[StatusChange]] = relationship(
        order_by="StatusChange.requested_at", lazy="raise"
    )
    __mapper_args__ = {"version_id_col": version}


class Nonce(Base):
    """An OpenID4VCI ``c_nonce``: a wallet's proof of possession must carry one, once, before it expires."""

    __tablename__ = "oid4vci_nonces"

    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class OfferEvent(Base):
    __tablename__ = "offer_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class BulkJob(Base):
    """A CSV of learners for one template; the same file for the same template is the same job."""

    __tablename__ = "bulk_jobs"
    __table_args__ = (UniqueConstraint("institution_id", "template_id", "file_sha256", name="uq_bulk_file"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"))
    file_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(300))
    total: Mapped[int] = mapped_column(Integer)
    rows: Mapped[list[Any]]
    """The validated rows ({"learner": ..., "award": ...}); offers are made from them until all exist."""
    protocol: Mapped[str] = mapped_column(String(16), default=Protocol.DIDCOMM, server_default="didcomm")
    email_language: Mapped[str | None] = mapped_column(String(8))
    """Set: each row with an address is e-mailed its invitation in this language (``services.mail``)."""
    created_at: Mapped[datetime] = mapped_column(default=now)


class StatusAction(enum.StrEnum):
    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"

    @property
    def purpose(self) -> StatusPurpose:
        return "revocation" if self is StatusAction.REVOKE else "suspension"

    @property
    def bit(self) -> bool:
        return self is not StatusAction.REINSTATE


class ChangeState(enum.StrEnum):
    PENDING = "pending"
    """Persisted (the outbox); waits for the anchoring worker."""
    BATCHED = "batched"
    """In a batch sent or about to be sent; the batch's fate decides."""
    ANCHORED = "anchored"


class StatusChange(Base):
    """A requested revocation, suspension or reinstatement of one credential, kept forever (its history)."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_state", "state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=ChangeState.PENDING)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("status_batches.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=now)
    anchored_at: Mapped[datetime | None]
    batch: Mapped[StatusBatch | None] = relationship(lazy="raise")


class BatchState(enum.StrEnum):
    PREPARED = "prepared"
    """Built and stored before the transaction is sent: a crash after sending is recognised on chain."""
    CONFIRMED = "confirmed"
    SUPERSEDED = "superseded"
    """Someone else moved the list on chain first; its changes went back to the outbox."""


class StatusBatch(Base):
    """One ``StatusRegistry.update`` transaction: every pending change of one list at the time."""

    __tablename__ = "status_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"), index=True)
    base_version: Mapped[int] = mapped_column(Integer)
    set_indexes: Mapped[list[Any]]
    cleared_indexes: Mapped[list[Any]]
    commitment: Mapped[str] = mapped_column(String(66))
    encoded_list: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=BatchState.PREPARED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    confirmed_at: Mapped[datetime | None]


class PathwayPolicy(enum.StrEnum):
    """What happens to a larger credential when one of its parts is revoked or suspended."""

    FLAG = "flag"
    SUSPEND = "suspend"
    REVOKE = "revoke"


class Pathway(Base):
    """A larger credential (its template) defined by the parts that add up to it."""

    __tablename__ = "pathways"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"))
    name: Mapped[str] = mapped_column(String(300))
    requirements: Mapped[list[Any]]
    """Each: what counts (achievement ids or IQR codes), how many, from which issuers, how recent."""
    policy: Mapped[str] = mapped_column(String(16), default=PathwayPolicy.FLAG)
    created_at: Mapped[datetime] = mapped_column(default=now)


class ClaimState(Lifecycle):
    INVITED = "invited"
    CHECKING = "checking"
    """Connected; the parts are being asked for and verified."""
    AWARDED = "awarded"
    """Final: the parts satisfied the pathway; the larger credential is on its way (``offer_id``)."""
    REFUSED = "refused"
    """Final: what is missing or failed is in ``outcome``."""
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self in (ClaimState.AWARDED, ClaimState.REFUSED, ClaimState.EXPIRED)


class Claim(Base):
    """A learner's claim of a pathway's larger credential."""

    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pathway_id: Mapped[str] = mapped_column(ForeignKey("pathways.id"), index=True)
    learner_email: Mapped[str | None] = mapped_column(String(320))
    learner_name: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default=ClaimState.INVITED)
    invitation_msg_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_url: Mapped[str | None] = mapped_column(Text)
    connection_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[list[Any] | None]
    """Per requirement: what satisfied it, what was missing or failed, and why."""
    parts: Mapped[list[Any] | None]
    """The parts the larger credential was built on, with their status entries (watched for revocation)."""
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("offers.id"))
    affected: Mapped[str | None] = mapped_column(Text)
    """Why the awarded credential is affected (a part revoked or suspended), once noticed."""
    affected_action: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    expires_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class PartRequest(Base):
    """One proof request for one item of a claim (an achievement or an IQR code), and what came of it."""

    __tablename__ = "part_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    requirement: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(500))
    challenge: Mapped[str] = mapped_column(String(64))
    pres_ex_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    thread_id: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default="requested")
    """requested, presented (``report`` and ``presentation`` set) or missing (``detail`` says why)."""
    detail: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None]
    presentation: Mapped[dict[str, Any] | None]


class Lease(LeaseRow, Base):
    """Work one instance does at a time (``common.leases``)."""


class StaffUser(UserRow, Base):
    """A member of an institution's staff (``common.accounts``)."""

    __owner__ = "institutions.id"


class StaffSession(SessionRow, Base):
    pass


class SignInFailure(SignInFailureRow, Base):
    pass


class AuditEvent(AuditRow, Base):
    __owner__ = "institutions.id"


class EmailState(enum.StrEnum):
    PENDING = "pending"
    """Written (the outbox), waiting for the sender; retried after a temporary failure."""
    SENT = "sent"
    FAILED = "failed"
    """Refused for good (a 5xx reply) or still failing after the last attempt: ``last_error`` says why."""


class Email(Base):
    """An invitation by e-mail to a learner (an offer's or a claim's), rendered when asked for and sent by
    the mail worker; its fate is recorded on the offer's history too."""

    __tablename__ = "emails"
    __table_args__ = (Index("ix_emails_state", "state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("offers.id"), index=True)
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("claims.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    images: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Content id → the PNG, base64."""
    state: Mapped[str] = mapped_column(String(16), default=EmailState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now)
    created_at: Mapped[datetime] = mapped_column(default=now)
    sent_at: Mapped[datetime | None]
