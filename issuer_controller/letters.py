"""The invitations' e-mails, rendered in the learner's language from the console's catalogue: the link to
open on a phone and the QR code (inline) to scan from a screen. Rendered where they are asked for (a web
request) and handed to the outbox (``services.mail``), which only sends."""

from __future__ import annotations

from typing import Any

from common.mail import Letter
from common.microcredential import Template as TemplateDefinition
from common.web.console import Console
from common.web.qr import deep_link, qr_png

from .models import Claim, Institution, Offer, OfferState, Pathway, Template

QR_CID = "invitation-qr"


def _letter(
    console: Console, lang: str, name: str, recipient: str, institution: Institution, link: str, **values: Any
) -> Letter:
    """An invitation from the institution: the page's link, the wallet's deep ``link`` and its QR code inline,
    the institution's contact address."""
    return console.letter(
        lang, name, recipient, {QR_CID: qr_png(link, scale=5)}, qr_cid=QR_CID, deep_link=deep_link(link),
        institution=institution.shown_name, contact=institution.contact_email, **values,
    )  # fmt: skip


def wallet_link(offer: Offer) -> str | None:
    """What the offer's QR code carries while it can be accepted: the DIDComm invitation or the OpenID4VCI
    credential offer (by reference, as on the offer's public page)."""
    return offer.invitation_url if offer.state == OfferState.INVITED else None


def offer_letter(
    console: Console, lang: str, offer: Offer, institution: Institution, template: Template
) -> Letter:
    assert offer.learner_email is not None
    definition = TemplateDefinition.model_validate(template.definition)
    link = wallet_link(offer)
    assert link is not None
    return _letter(
        console, lang, "offer", offer.learner_email, institution, link,
        learner=offer.learner_name, title=definition.title.get(lang) or definition.text(definition.title),
        page_url=f"{console.public_url}/offers/{offer.id}", expires_at=offer.expires_at,
    )  # fmt: skip


def claim_letter(
    console: Console, lang: str, claim: Claim, pathway: Pathway, institution: Institution
) -> Letter:
    assert claim.learner_email is not None and claim.invitation_url is not None
    return _letter(
        console, lang, "claim", claim.learner_email, institution, claim.invitation_url,
        learner=claim.learner_name, title=pathway.name,
        page_url=f"{console.public_url}/claims/{claim.id}/qr.svg", expires_at=claim.expires_at,
    )  # fmt: skip
