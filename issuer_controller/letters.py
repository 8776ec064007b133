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


def _letter(console: Console, lang: str, name: str, recipient: str, **values: Any) -> Letter:
    env = console.envs[lang]
    values["deep_link"] = deep_link(values["wallet_link"])
    subject = env.get_template(f"mail/{name}.subject.txt").render(**values).strip()
    return Letter(
        recipient=recipient,
        subject=subject,
        text=env.get_template(f"mail/{name}.txt").render(**values),
        html=env.get_template(f"mail/{name}.html").render(
            lang=lang, subject=subject, qr_cid=QR_CID, **values
        ),
        images={QR_CID: qr_png(values["wallet_link"], scale=5)},
    )


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
        console,
        lang,
        "offer",
        offer.learner_email,
        learner=offer.learner_name,
        institution=institution.shown_name,
        title=definition.title.get(lang) or definition.text(definition.title),
        page_url=f"{console.public_url}/offers/{offer.id}",
        wallet_link=link,
        expires_at=offer.expires_at,
    )


def claim_letter(
    console: Console, lang: str, claim: Claim, pathway: Pathway, institution: Institution
) -> Letter:
    assert claim.learner_email is not None and claim.invitation_url is not None
    return _letter(
        console,
        lang,
        "claim",
        claim.learner_email,
        learner=claim.learner_name,
        institution=institution.shown_name,
        title=pathway.name,
        page_url=f"{console.public_url}/claims/{claim.id}/qr.svg",
        wallet_link=claim.invitation_url,
        expires_at=claim.expires_at,
    )
