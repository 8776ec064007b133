"""Signing in and out of the console, setting a password from a link, asking for one by e-mail, and the
language switch: the same in both controllers. The forms before any session (sign-in, set password, reset)
carry a token equal to a cookie of their own; after signing in the browser goes back only into the console."""

import logging
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from ..accounts import TooManyAttempts
from ..errors import InvalidRequest, Unauthorized
from ..mail import Letter, Mailer, MailError
from .console import Posted, checked_form, console_of, form_text
from .i18n import LANG_COOKIE, LANGUAGES, language_of
from .staff_api import set_password_url

__all__ = ["sign_in_pages"]

log = logging.getLogger(__name__)


async def _pre_session_form(request: Request) -> FormData:
    """A form sent before any session (sign-in, set password, reset): its token must equal its cookie's."""
    return await checked_form(request, request.cookies.get(console_of(request).cookie("form")))


def _form_page(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A page with a pre-session form: its token, set as a cookie too."""
    console = console_of(request)
    token = request.cookies.get(console.cookie("form")) or secrets.token_urlsafe(32)
    page = console.render(request, template, status=status, csrf=token, **values)
    console.set_cookie(page, "form", token)
    return page


def _after(target: str | None, within: str = "/console") -> str:
    """Where to go next (after signing in: a console path; after switching language: any page of ours),
    never another site."""
    if target and target.startswith(within) and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


async def _deliver(mailer: Mailer, letter: Letter) -> None:
    """A password link is sent once, not queued: whoever asked sees nothing of the outcome (it would tell
    whether the address has an account) and asks again if nothing arrives."""
    try:
        await mailer.send(letter)
    except MailError as err:
        log.warning("password link to %s not sent: %s", letter.recipient, err.detail)


def sign_in_pages() -> APIRouter:
    """Sign-in and out, set-password links, the language switch: the same in both controllers."""
    router = APIRouter(prefix="/console", include_in_schema=False)

    @router.get("/sign-in")
    async def sign_in_page(request: Request, after: str | None = None) -> HTMLResponse:
        return _form_page(request, "console/sign_in.html", after=_after(after), email="")

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        console, form = console_of(request), await _pre_session_form(request)
        email, after = form_text(form, "email", 320), _after(form_text(form, "after"))
        address = request.client.host if request.client else "unknown"
        _ = console.gettext(request)
        try:
            _user, token = await console.accounts(request).sign_in(
                email, form_text(form, "password", 1000), address
            )
        except TooManyAttempts:
            message = _("Too many failed sign-ins. Wait 15 minutes and try again.")
            return _form_page(request, "console/sign_in.html", 429, after=after, email=email, error=message)
        except Unauthorized:
            message = _("The e-mail address or the password is wrong.")
            return _form_page(request, "console/sign_in.html", 401, after=after, email=email, error=message)
        response = RedirectResponse(after, status_code=303)
        console.set_cookie(response, "session", token)
        response.delete_cookie(console.cookie("form"), path="/", secure=console.secure, httponly=True)
        return response

    @router.post("/sign-out")
    async def sign_out(request: Request, _form: Posted) -> Response:
        console = console_of(request)
        await console.accounts(request).sign_out(request.cookies.get(console.cookie("session")) or "")
        response = RedirectResponse("/console/sign-in", status_code=303)
        response.delete_cookie(console.cookie("session"), path="/", secure=console.secure, httponly=True)
        return response

    @router.get("/password/{link}")
    async def password_page(request: Request, link: str) -> HTMLResponse:
        user = await console_of(request).accounts(request).link_user(link)
        return _form_page(request, "console/password.html", email=user.email)

    @router.post("/password/{link}")
    async def set_password(request: Request, link: str) -> Response:
        console, form = console_of(request), await _pre_session_form(request)
        accounts, _ = console.accounts(request), console.gettext(request)
        user = await accounts.link_user(link)
        password = form_text(form, "password", 1000)
        error = None
        if password != form_text(form, "repeat", 1000):
            error = _("The two passwords differ.")
        else:
            try:
                await accounts.set_password(link, password)
            except InvalidRequest:
                error = _("A password has 12 to 256 characters.")
        if error:
            return _form_page(request, "console/password.html", 400, email=user.email, error=error)
        return RedirectResponse("/console/sign-in?after=/console", status_code=303)

    @router.get("/password-reset")
    async def reset_page(request: Request) -> HTMLResponse:
        return _form_page(request, "console/reset.html", email="")

    @router.post("/password-reset")
    async def reset(request: Request) -> HTMLResponse:
        """The same answer whether the address has an account or not; the link goes only to the address."""
        console, form = console_of(request), await _pre_session_form(request)
        email = form_text(form, "email", 320)
        ctx = console.ctx(request)
        if ctx.mailer is None:
            return _form_page(request, "console/reset.html", 503, email=email, unavailable=True)
        made = await console.accounts(request).reset_link(email)
        if made is not None:
            user, link = made
            letter = console.letter(
                language_of(request), "password", user.email, name=user.name,
                link=set_password_url(console.public_url, link),
            )  # fmt: skip
            ctx.tasks.spawn(_deliver(ctx.mailer, letter), name="password e-mail")
        return _form_page(request, "console/reset.html", email=email, sent=True)

    @router.get("/language/{lang}")
    async def language(request: Request, lang: str, after: str | None = None) -> Response:
        response = RedirectResponse(_after(after, within="/"), status_code=303)
        if lang in LANGUAGES:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/", samesite="lax")
        return response

    return router
