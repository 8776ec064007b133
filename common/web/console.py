"""The console both controllers serve under ``/console``: server-rendered pages (Jinja2, autoescape, one
environment per language), the staff's session cookie, CSRF on every form, the desk a page works with. Signing
in and out, passwords and the language switch are ``common.web.sign_in``; the staff pages
``common.web.staff_pages``. A controller adds its own pages (``include_console``) and names its context (its
accounts, its mailer).

Sessions live in the controller's database (``common.accounts``); the cookie is HttpOnly, SameSite=Lax and,
when the public URL is HTTPS, Secure with the ``__Host-`` prefix. Every POST carries the session's CSRF token
(a hidden field) and, where the browser sends one, an ``Origin`` equal to the public URL's; the sign-in and
set-password forms, before any session, carry a token equal to a cookie of their own. The pages carry no
inline script or style, so the strict Content-Security-Policy holds; they work without JavaScript, which
only refreshes a part of a page that is waiting for something (``console.js``).
"""

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader
from starlette.datastructures import FormData

from ..accounts import Accounts, Role, SignedIn
from ..errors import Forbidden, InvalidRequest, Problem
from ..mail import Letter
from .i18n import LANGUAGES, catalogue, formatters, language_of

__all__ = [
    "Console",
    "Desk",
    "Posted",
    "Staff",
    "checked_form",
    "desks",
    "form_text",
    "include_console",
    "needs",
    "posted",
]

MAX_FIELDS = 400
"""Fields a console form may carry (a microcredential's has about forty)."""


PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
"""A console page is never cached (it shows one person's data); its forms send their ``Origin`` (under
``no-referrer``, every other page's policy, a browser sends ``Origin: null``), and no link leaks the URL
to another site."""


class SignInNeeded(Exception):
    def __init__(self, after: str):
        self.after = after


@dataclass
class Console:
    """One controller's console: ``package``'s ``pages/console`` templates over the shared ones."""

    package: str
    name: str
    """Names the cookies (``mcred_<name>_session``): cookies ignore ports, two controllers on one host must
    not share them."""
    public_url: str
    context: str
    """The controller's context on ``app.state`` (``issuer``, ``verifier``): its accounts, its mailer."""
    envs: dict[str, Environment] = field(init=False)

    def __post_init__(self) -> None:
        self.envs = {}
        for lang in LANGUAGES:
            env = Environment(
                loader=ChoiceLoader(
                    [PackageLoader(self.package, "pages"), PackageLoader("common.web", "pages")]
                ),
                autoescape=True,
                extensions=["jinja2.ext.i18n"],
            )
            env.install_gettext_translations(catalogue(lang), newstyle=True)  # type: ignore[attr-defined]
            env.filters.update(formatters(lang))
            self.envs[lang] = env

    def ctx(self, request: Request) -> Any:
        return getattr(request.app.state, self.context)

    def accounts(self, request: Request) -> Accounts:
        return self.ctx(request).accounts

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")

    def cookie(self, purpose: str) -> str:
        return ("__Host-" if self.secure else "") + f"mcred_{self.name}_{purpose}"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def gettext(self, request: Request) -> Callable[[str], str]:
        return catalogue(language_of(request)).gettext

    def render(self, request: Request, template: str, /, status: int = 200, **values: Any) -> HTMLResponse:
        lang = language_of(request)
        _ = catalogue(lang).gettext
        roles = {
            Role.ADMINISTRATOR: _("administrator"),
            Role.AWARDING: _("awarding staff"),
            Role.READER: _("read-only"),
        }
        page = (
            self.envs[lang]
            .get_template(template)
            .render(
                lang=lang,
                languages=LANGUAGES,
                here=request.url.path,
                staff=getattr(request.state, "staff", None),
                role_names=roles,
                **values,
            )
        )
        return HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)

    def set_cookie(self, response: Response, purpose: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(
            self.cookie(purpose), value, max_age=max_age, path="/", secure=self.secure, httponly=True,
            samesite="lax",
        )  # fmt: skip

    def letter(
        self, lang: str, template: str, recipient: str, images: dict[str, bytes] | None = None, **values: Any
    ) -> Letter:
        """The e-mail ``mail/<template>``: its subject, text and HTML templates rendered in ``lang``."""
        env = self.envs[lang]
        subject = env.get_template(f"mail/{template}.subject.txt").render(**values).strip()
        html = env.get_template(f"mail/{template}.html").render(lang=lang, subject=subject, **values)
        text = env.get_template(f"mail/{template}.txt").render(**values)
        return Letter(recipient, subject, text, html, images or {})

    def error_page(self, request: Request, status: int, title: str, detail: str) -> HTMLResponse:
        return self.render(request, "console/error.html", status=status, title=title, detail=detail)


def console_of(request: Request) -> Console:
    return request.app.state.console


async def signed_in(request: Request) -> SignedIn:
    """The member of staff whose session cookie came with the request; else off to sign in."""
    console = console_of(request)
    token = request.cookies.get(console.cookie("session"))
    staff = await console.accounts(request).signed_in(token) if token else None
    if staff is None:
        raise SignInNeeded(request.url.path)
    request.state.staff = staff
    return staff


Staff = Annotated[SignedIn, Depends(signed_in)]


def needs(role: Role) -> Callable[..., Any]:
    async def check(staff: Staff) -> SignedIn:
        if not staff.role.may(role):
            raise Forbidden(f"this needs the role {role} (yours: {staff.role})")
        return staff

    return check


def same_origin(request: Request, console: Console) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != console.origin:
        raise Forbidden("the form was sent from another site")


async def read_form(request: Request) -> FormData:
    try:
        return await request.form(max_fields=MAX_FIELDS, max_files=1)
    except Exception as err:  # python-multipart's and Starlette's parse errors share no base class
        raise InvalidRequest("the form could not be read") from err


def form_text(form: FormData, name: str, limit: int = 2000) -> str:
    """A text field as typed, trimmed and cut at ``limit`` characters; "" when absent or a file."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


async def checked_form(request: Request, token: str | None) -> FormData:
    """A form from this origin carrying ``token`` (the session's, or a pre-session form's cookie's), compared
    in constant time; refused otherwise, unread."""
    same_origin(request, console_of(request))
    form = await read_form(request)
    given = form.get("csrf")
    if not (isinstance(given, str) and token and hmac.compare_digest(given, token)):
        raise Forbidden(
            "the form's security token is missing or out of date: reload the page and send it again"
        )
    return form


async def posted(request: Request, staff: Staff) -> FormData:
    """A signed-in member's form, refused unless it carries the session's CSRF token from this origin."""
    return await checked_form(request, staff.csrf)


Posted = Annotated[FormData, Depends(posted)]


class Desk:
    """What a console page works with: the member of staff signed in (with the role the page needs), their
    owner (an institution, an employer), the controller's context."""

    def __init__(self, staff: SignedIn, owner: Any, ctx: Any, request: Request):
        self.staff, self.owner, self.ctx, self.request = staff, owner, ctx, request

    @property
    def console(self) -> Console:
        return console_of(self.request)

    @property
    def accounts(self) -> Accounts:
        return self.console.accounts(self.request)

    @property
    def lang(self) -> str:
        return language_of(self.request)

    def render(self, template: str, /, status: int = 200, **values: Any) -> HTMLResponse:
        return self.console.render(self.request, template, status=status, owner=self.owner, **values)

    def _(self, message: str) -> str:
        return self.console.gettext(self.request)(message)

    async def audit(self, action: str, subject: str | None, detail: str | None = None) -> None:
        await self.accounts.record(self.owner.id, self.staff.user, action, subject, detail)


DeskDependency = Callable[..., Awaitable[Desk]]


def desks(owner_model: type[Any], context: str) -> tuple[DeskDependency, DeskDependency, DeskDependency]:
    """The page dependencies of a controller whose owners are ``owner_model`` rows and whose context is
    ``app.state.<context>``: a reader's, an awarder's and an administrator's desk."""

    def desk_of(role: Role) -> DeskDependency:
        async def desk(request: Request, staff: Annotated[SignedIn, Depends(needs(role))]) -> Desk:
            ctx = getattr(request.app.state, context)
            async with ctx.sessions() as session:
                owner = await session.get(owner_model, staff.user.owner_id)
            assert owner is not None  # staff_users.owner_id is a foreign key
            return Desk(staff, owner, ctx, request)

        return desk

    return desk_of(Role.READER), desk_of(Role.AWARDING), desk_of(Role.ADMINISTRATOR)


def include_console(app: FastAPI, console: Console, routers: list[APIRouter]) -> None:
    """The console's routes, and its errors as pages: signing in where a session is needed, the rest
    explained in the page's language (the API keeps problem+json)."""
    app.state.console = console
    for router in routers:
        app.include_router(router, include_in_schema=False)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(f"/console/sign-in?after={quote(exc.after)}", status_code=303)


def console_error(request: Request, exc: Problem) -> HTMLResponse | None:
    """A typed error on a console path as a page in the reader's language; None elsewhere."""
    console: Console | None = getattr(request.app.state, "console", None)
    if console is None or not request.url.path.startswith("/console"):
        return None
    _ = console.gettext(request)
    titles = {
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("This conflicts with the current state"),
        429: _("Too many attempts"),
        503: _("A service is not available; try again shortly"),
    }
    return console.error_page(
        request, exc.status, titles.get(exc.status, _("This cannot be done")), exc.detail
    )
