"""What was awarded: one offer on its way (its QR code and link, followed live), every credential searched
and filtered by state, one credential's history with the transactions that anchored its status changes, and
revoking, suspending and reinstating it with a reason and a confirmation."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from common.errors import Conflict, Problem
from common.microcredential import Template as TemplateDefinition
from common.web.console import Desk, Posted, form_text
from common.web.html import invitation

from ..letters import offer_letter, wallet_link
from ..models import ChangeState, Offer, OfferState, StatusAction
from ..services import bulk, mail, offers, templates
from ..services.status_changes import effective, request_change
from .desk import Awarding, Reading

router = APIRouter(prefix="/console")

PAGE = 50


def status_of(offer: Offer) -> str:
    """``revoked``, ``suspended`` or the offer's state, from anchored changes and pending ones alike."""
    revoked, suspension = effective(list(offer.status_changes))
    if revoked is not None:
        return "revoked"
    if suspension is not None and suspension.action == StatusAction.SUSPEND:
        return "suspended"
    return offer.state


async def _offer_values(desk: Desk, offer: Offer) -> dict:
    template = await templates.get_template(desk.ctx, desk.owner, offer.template_id)
    link = wallet_link(offer)
    return {
        "offer": offer,
        "emails": await mail.emails_of(desk.ctx, offer.id),
        "can_mail": mail.can_mail(desk.ctx),
        "title": shown_title(template.definition),
        "page_url": f"{desk.ctx.settings.public_url}/offers/{offer.id}",
        **(invitation(link) if link else {}),
    }


@router.get("/offers/{offer_id}", response_class=HTMLResponse)
async def offer_page(offer_id: str, desk: Reading) -> HTMLResponse:
    offer = await offers.get_offer(desk.ctx, desk.owner, offer_id)
    return desk.render("console/offer.html", **await _offer_values(desk, offer))


@router.post("/offers/{offer_id}/email")
async def email_offer(offer_id: str, desk: Awarding, form: Posted) -> Response:
    """The invitation (again) to the learner's address, in the language chosen."""
    offer = await offers.get_offer(desk.ctx, desk.owner, offer_id)
    if offer.learner_email is None or offer.state != OfferState.INVITED:
        raise Conflict(f"offer {offer_id} has no e-mail address or can no longer be accepted")
    template = await templates.get_template(desk.ctx, desk.owner, offer.template_id)
    lang = form.get("email_language")
    lang = lang if lang in ("pl", "en") else desk.lang
    await mail.queue(
        desk.ctx, offer_letter(desk.console, lang, offer, desk.owner, template), offer_id=offer.id
    )
    await desk.audit("emailed", offer.id, offer.learner_email)
    return RedirectResponse(f"/console/offers/{offer.id}", status_code=303)


@router.get("/offers/{offer_id}/state", response_class=HTMLResponse)
async def offer_state(offer_id: str, desk: Reading) -> HTMLResponse:
    """The part of the offer's page that changes as the learner accepts (``console.js`` follows it)."""
    offer = await offers.get_offer(desk.ctx, desk.owner, offer_id)
    return desk.render("console/offer_state.html", offer=offer)


@router.get("/credentials", response_class=HTMLResponse)
async def list_(desk: Reading, q: str = "", state: str = "", page: int = 1) -> HTMLResponse:
    chosen = OfferState(state) if state in {s.value for s in OfferState} else None
    page = max(1, min(page, 100_000))
    found = await offers.list_offers(
        desk.ctx, desk.owner, chosen, PAGE + 1, (page - 1) * PAGE, search=q[:200].strip() or None,
        newest_first=True,
    )  # fmt: skip
    names = {
        t.id: shown_title(t.definition) for t in await templates.list_templates(desk.ctx, desk.owner, None)
    }
    return desk.render(
        "console/credentials.html",
        rows=[(o, names.get(o.template_id, ""), status_of(o)) for o in found[:PAGE]],
        q=q[:200],
        state=chosen.value if chosen else "",
        states=[s.value for s in OfferState],
        page=page,
        more=len(found) > PAGE,
    )


def shown_title(definition: dict) -> str:
    parsed = TemplateDefinition.model_validate(definition)
    return parsed.text(parsed.title)


def _explorer(desk: Desk, tx: str | None) -> str | None:
    pattern = desk.ctx.settings.explorer_tx_url
    return pattern.replace("{tx}", tx) if pattern and tx else None


async def _credential_page(
    desk: Desk, offer_id: str, error: str | None = None, status: int = 200, notice: str | None = None
) -> HTMLResponse:
    offer = await offers.get_offer(desk.ctx, desk.owner, offer_id, history=True)
    revoked, suspension = effective(list(offer.status_changes))
    changes = [
        {
            "change": c,
            "anchored": c.state == ChangeState.ANCHORED,
            "tx": c.batch.tx_hash if c.batch else None,
            "tx_url": _explorer(desk, c.batch.tx_hash if c.batch else None),
            "block": c.batch.block_number if c.batch else None,
        }
        for c in offer.status_changes
    ]
    suspended = suspension is not None and suspension.action == StatusAction.SUSPEND
    return desk.render(
        "console/credential.html",
        status=status,
        **await _offer_values(desk, offer),
        shown_status=status_of(offer),
        changes=changes,
        may_revoke=offer.state == OfferState.ISSUED and revoked is None,
        may_suspend=offer.state == OfferState.ISSUED and revoked is None and not suspended,
        may_reinstate=offer.state == OfferState.ISSUED and revoked is None and suspended,
        error=error,
        notice=notice,
    )


@router.get("/credentials/{offer_id}", response_class=HTMLResponse)
async def read(offer_id: str, desk: Reading) -> HTMLResponse:
    return await _credential_page(desk, offer_id)


@router.post("/credentials/{offer_id}/{action}", response_class=HTMLResponse)
async def change(offer_id: str, action: str, desk: Awarding, form: Posted) -> Response:
    _ = desk._
    chosen = StatusAction(action) if action in {a.value for a in StatusAction} else None
    reason = form_text(form, "reason")
    if chosen is None:
        return await _credential_page(desk, offer_id, _("Unknown action."), 404)
    if not reason:
        return await _credential_page(
            desk, offer_id, _("Give the reason: the learner and the audit trail see it."), 422
        )
    if form.get("confirm") != "yes":
        return await _credential_page(desk, offer_id, _("Tick the box to confirm."), 422)
    try:
        await request_change(desk.ctx, desk.owner, offer_id, chosen, reason)
    except Problem as err:
        return await _credential_page(desk, offer_id, err.detail, err.status)
    await desk.audit(f"credential-{chosen.value}", offer_id, reason)
    return RedirectResponse(f"/console/credentials/{offer_id}", status_code=303)


COHORT_SHOWN = 500
"""Offers of a cohort listed on its page (its progress counts them all)."""


async def _cohort_values(desk: Desk, job_id: str) -> dict:
    job, progress = await bulk.job_progress(desk.ctx, desk.owner, job_id)
    return {"job": job, "progress": progress, "ready": progress["offers_made"] == progress["total"]}


@router.get("/cohorts/{job_id}", response_class=HTMLResponse)
async def cohort(job_id: str, desk: Reading) -> HTMLResponse:
    values = await _cohort_values(desk, job_id)
    made = await bulk.job_offers(desk.ctx, desk.owner, job_id)
    template = await templates.get_template(desk.ctx, desk.owner, values["job"].template_id)
    return desk.render(
        "console/cohort_job.html", offers=made[:COHORT_SHOWN], more=len(made) > COHORT_SHOWN,
        title=shown_title(template.definition), **values,
    )  # fmt: skip


@router.get("/cohorts/{job_id}/progress", response_class=HTMLResponse)
async def cohort_progress(job_id: str, desk: Reading) -> HTMLResponse:
    """The part of the cohort's page that changes as offers are made and accepted."""
    return desk.render("console/cohort_progress.html", **await _cohort_values(desk, job_id))
