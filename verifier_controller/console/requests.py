"""Asking for a credential: the criteria form, the request's page (its QR code while the candidate has not
answered, followed live; the report once final), past requests."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from common.verification import Criteria
from common.web.console import Desk, Posted, form_text
from common.web.html import invitation

from ..api.public import scannable
from ..domain import Protocol
from ..models import ProofRequest
from ..schemas import CriteriaIn
from ..services import proof_requests
from .desk import Asking, Reading

router = APIRouter(prefix="/console")

PAGE = 50
FIELDS = ("achievement_id", "iqr_code", "min_eqf_level", "purpose", "protocol")


def check_texts(_) -> dict[str, str]:
    """What each check of the report establishes, said to a recruiter."""
    return {
        "credential.structure": _("It is a signed credential naming its issuer and its holder."),
        "proof.signature": _("The issuer's signature is genuine: nothing was changed after signing."),
        "sd.disclosures": _("Every detail shown was signed by the issuer."),
        "presentation.challenge": _("It was shown for this request, not replayed from an earlier one."),
        "presentation.domain": _("It was shown to you, not to someone else."),
        "presentation.freshness": _("It was shown just now."),
        "holder.binding": _("The person who showed it is the person it was issued to."),
        "validity.window": _("It is valid today (not before its start, not after its end)."),
        "status.revocation": _("The issuer has not revoked it (read from the public ledger)."),
        "status.suspension": _("The issuer has not suspended it (read from the public ledger)."),
        "status.list_consistency": _("The issuer's published status list agrees with the public ledger."),
        "issuer.accreditation": _("The issuer was accredited when it issued the credential."),
        "schema.ob3": _("It follows the Open Badges 3.0 standard."),
        "microcredential.eu_elements": _("It carries every element the EU requires of a microcredential."),
        "request.criteria": _("It is what you asked for."),
        "stack.parts_recorded": _("A credential built from parts names each of them."),
        "stack.parts_valid": _("The parts shown with it are the recorded ones, and valid."),
    }


def fact_labels(_) -> list[tuple[str, str]]:
    return [
        ("title", _("Title")),
        ("learner", _("Learner")),
        ("awarding_body", _("Awarding body")),
        ("issuer_country", _("Country")),
        ("date_of_issue", _("Date of issue")),
        ("learning_outcomes", _("Learning outcomes")),
        ("ects", _("Workload in ECTS credits")),
        ("eqf_level", _("EQF level")),
        ("iqr_codes", _("IQR codes")),
        ("assessment", _("Type of assessment")),
        ("participation", _("Form of participation")),
        ("quality_assurance", _("Type of quality assurance")),
        ("grade", _("Grade")),
    ]


def _labels(_) -> dict[str, str]:
    return {
        "achievement_id": _("A given microcredential (its achievement id)"),
        "iqr_code": _("An IQR qualification code"),
        "min_eqf_level": _("At least this EQF level"),
        "not_expired": _("Valid today"),
        "purpose": _("Why you ask (the wallet shows it)"),
        "protocol": _("The candidate's wallet"),
    }


def _ask_page(desk: Desk, values: dict[str, str], errors: dict[str, str], status: int = 200) -> HTMLResponse:
    _ = desk._
    return desk.render(
        "console/ask.html",
        status=status,
        values=values,
        errors=errors,
        labels=_labels(_),
        levels=[("", _("— any —")), *((str(n), str(n)) for n in range(1, 9))],
        protocols=[
            (Protocol.DIDCOMM.value, _("DIDComm (Bifold, BC Wallet)")),
            (Protocol.OID4VP.value, _("OpenID4VP (EU wallets)")),
        ],
    )


@router.get("", response_class=HTMLResponse)
async def dashboard(desk: Reading, page: int = 1) -> HTMLResponse:
    """Past requests, newest first."""
    page = max(1, min(page, 100_000))
    found = await proof_requests.list_requests(
        desk.ctx, desk.owner, PAGE + 1, (page - 1) * PAGE, newest_first=True
    )
    return desk.render("console/requests.html", requests=found[:PAGE], page=page, more=len(found) > PAGE)


@router.get("/requests/new", response_class=HTMLResponse)
async def new(desk: Asking) -> HTMLResponse:
    return _ask_page(desk, {"protocol": Protocol.DIDCOMM.value, "not_expired": "yes"}, {})


@router.post("/requests", response_class=HTMLResponse)
async def ask(desk: Asking, form: Posted) -> Response:
    _ = desk._
    values = {name: form_text(form, name, 600) for name in FIELDS}
    values["not_expired"] = "yes" if form.get("not_expired") == "yes" else ""
    errors: dict[str, str] = {}
    criteria = None
    try:
        criteria = CriteriaIn(
            achievement_id=values.get("achievement_id") or None,
            iqr_code=values.get("iqr_code") or None,
            min_eqf_level=values.get("min_eqf_level") or None,  # type: ignore[arg-type]
            not_expired=bool(values["not_expired"]),
        )
    except ValidationError as err:
        messages = {
            "achievement_id": _("At most 500 characters."),
            "iqr_code": _("At most 100 characters."),
            "min_eqf_level": _("A level from 1 to 8."),
        }
        errors = {str(e["loc"][0]): messages.get(str(e["loc"][0]), str(e["msg"])) for e in err.errors()}
    if len(values.get("purpose", "")) > 500:
        errors["purpose"] = _("At most 500 characters.")
    if values.get("protocol") not in {p.value for p in Protocol}:
        errors["protocol"] = _("Choose one of the options.")
    if errors or criteria is None:
        return _ask_page(desk, values, errors, status=422)
    request = await proof_requests.create_request(
        desk.ctx,
        desk.owner,
        Criteria(**criteria.model_dump()),
        values.get("purpose") or None,
        None,
        Protocol(values["protocol"]),
    )
    await desk.audit("asked", request.id, request.purpose)
    return RedirectResponse(f"/console/requests/{request.id}", status_code=303)


def _request_values(desk: Desk, request: ProofRequest) -> dict:
    _ = desk._
    return {
        "request": request,
        "checks": check_texts(_),
        "facts": fact_labels(_),
        "page_url": f"{desk.ctx.settings.public_url}/requests/{request.id}",
        **(invitation(request.invitation_url) if scannable(request) and request.invitation_url else {}),
    }


@router.get("/requests/{request_id}", response_class=HTMLResponse)
async def read(request_id: str, desk: Reading) -> HTMLResponse:
    request = await proof_requests.get_request(desk.ctx, desk.owner, request_id)
    return desk.render("console/request.html", **_request_values(desk, request))


@router.get("/requests/{request_id}/state", response_class=HTMLResponse)
async def state(request_id: str, desk: Reading) -> HTMLResponse:
    """The part of the request's page that changes as the candidate answers (``console.js`` follows it)."""
    request = await proof_requests.get_request(desk.ctx, desk.owner, request_id)
    return desk.render("console/request_state.html", **_request_values(desk, request))
