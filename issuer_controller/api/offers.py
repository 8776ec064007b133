from fastapi import APIRouter, Request

from common.web.params import PageLimit, PageOffset

from ..domain import Learner, Protocol
from ..errors import InvalidRequest, ServiceUnavailable
from ..letters import offer_letter
from ..models import Offer, OfferState
from ..schemas import HistoryEntry, OfferCreate, OfferOut
from ..security import CurrentInstitution
from ..services import mail, offers, templates
from ..services.oid4vci_offers import new_tx_code, offer_by_value
from . import IssuerDep

router = APIRouter(prefix="/v1/offers", tags=["offers"])


def offer_out(offer: Offer, public_url: str, tx_code: str | None = None) -> OfferOut:
    page = f"{public_url}/offers/{offer.id}"
    by_value = offer_by_value(public_url, offer) if offer.pre_authorized_code else None
    return OfferOut(
        id=offer.id,
        state=offer.state,
        error=offer.error,
        template_id=offer.template_id,
        credential_id=offer.credential_id,
        learner=Learner(email=offer.learner_email, name=offer.learner_name, ref=offer.learner_ref),
        protocol=offer.protocol,
        invitation_url=offer.invitation_url,
        credential_offer_url=by_value if offer.state == OfferState.INVITED else None,
        tx_code=tx_code,
        page_url=page,
        qr_png_url=f"{page}/qr.png",
        qr_svg_url=f"{page}/qr.svg",
        holder_did=offer.holder_did,
        bulk_row=offer.bulk_row,
        created_at=offer.created_at,
        expires_at=offer.expires_at,
        issued_at=offer.issued_at,
        history=[HistoryEntry(state=e.state, at=e.at, detail=e.detail) for e in offer.events],
    )


@router.post("", status_code=201, response_model=OfferOut, operation_id="offers-create")
async def create(data: OfferCreate, institution: CurrentInstitution, ctx: IssuerDep, request: Request):
    """Offer a microcredential to one learner: the answer carries the invitation (URL, QR codes, a page
    to show on a phone); the learner's wallet scans it and the credential follows."""
    tx_code = new_tx_code() if data.tx_code else None
    if tx_code and data.protocol != Protocol.OID4VCI:
        raise InvalidRequest("tx_code: only an oid4vci offer takes a transaction code")
    if data.send_email and not data.learner.email:
        raise InvalidRequest("send_email: the learner has no e-mail address (learner.email)")
    if data.send_email and not mail.can_mail(ctx):
        raise ServiceUnavailable("send_email: no mail server is configured here; nothing was made")
    offer = await offers.create_offer(
        ctx, institution, data.template_id, data.learner, data.award, protocol=data.protocol, tx_code=tx_code
    )
    if data.send_email:
        template = await templates.get_template(ctx, institution, data.template_id)
        letter = offer_letter(request.app.state.console, data.email_language, offer, institution, template)
        await mail.queue(ctx, letter, offer_id=offer.id)
        offer = await offers.get_offer(ctx, institution, offer.id)
    return offer_out(offer, ctx.settings.public_url, tx_code)


@router.get("", response_model=list[OfferOut], operation_id="offers-list")
async def list_(
    institution: CurrentInstitution,
    ctx: IssuerDep,
    state: OfferState | None = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
):
    """Offers, oldest first, optionally in one state."""
    found = await offers.list_offers(ctx, institution, state, limit, offset)
    return [offer_out(o, ctx.settings.public_url) for o in found]


@router.get("/{offer_id}", response_model=OfferOut, operation_id="offers-get")
async def read(offer_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    return offer_out(await offers.get_offer(ctx, institution, offer_id), ctx.settings.public_url)
