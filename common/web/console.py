"""The console both controllers serve under ``/console``: server-rendered pages (Jinja2, autoescape, one
environment per language), the staff's session cookie, CSRF on every form, sign-in and out, set-password
links, password resets by e-mail and the language switch. A controller adds its own pages
(``include_console``) and names its context (its accounts, its mailer).

Sessions live in the controller's database (``common.accounts``); the cookie is HttpOnly, SameSite=Lax and,
when the public URL is HTTPS, Secure with the ``__Host-`` prefix. Every POST carries the session's CSRF token
(a hidden field) and, where the browser sends one, an ``Origin`` equal to the public URL's; the sign-in and
set-password forms, before any session, carry a token equal to a cookie of their own. The pages carry no
inline script or style, so the strict Content-Security-Policy holds; they work without JavaScript, which
only refreshes a part of a page that is waiting for something (``console.js``).
"""

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader
from pydantic import ValidationError
from starlette.datastructures import FormData

from ..accounts import Accounts, Role, SignedIn, TooManyAttempts
from ..errors import Conflict, Forbidden, InvalidRequest, Problem, Unauthorized
from ..mail import Letter, Mailer, MailError
from .i18n import LANG_COOKIE, LANGUAGES, catalogue, formatters, language_of
from .staff_api import StaffCreate, set_password_url

__all__ = [
    "Console",
    "Desk",
    "Posted",
    "Staff",
    "console_router",
    "desks",
    "include_console",
    "needs",
    "posted",
    "staff_pages",
]

log = logging.getLogger(__name__)

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


def _console(request: Request) -> Console:
    return request.app.state.console


async def signed_in(request: Request) -> SignedIn:
    """The member of staff whose session cookie came with the request; else off to sign in."""
    console = _console(request)
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


def _same_origin(request: Request, console: Console) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != console.origin:
        raise Forbidden("the form was sent from another site")


async def _form(request: Request) -> FormData:
    try:
        return await request.form(max_fields=MAX_FIELDS, max_files=1)
    except Exception as err:  # python-multipart's and Starlette's parse errors share no base class
        raise InvalidRequest("the form could not be read") from err


def _tokens_match(given: Any, expected: str | None) -> bool:
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given, expected or "")


async def posted(request: Request, staff: Staff) -> FormData:
    """A signed-in member's form, refused unless it carries the session's CSRF token from this origin."""
    _same_origin(request, _console(request))
    form = await _form(request)
    if not _tokens_match(form.get("csrf"), staff.csrf):
        raise Forbidden(
            "the form's security token is missing or out of date: reload the page and send it again"
        )
    return form


Posted = Annotated[FormData, Depends(posted)]


async def _pre_session_form(request: Request) -> FormData:
    """A form sent before any session (sign-in, set password): its token must equal its cookie's."""
    console = _console(request)
    _same_origin(request, console)
    form = await _form(request)
    if not _tokens_match(form.get("csrf"), request.cookies.get(console.cookie("form"))):
        raise Forbidden(
            "the form's security token is missing or out of date: reload the page and send it again"
        )
    return form


def _form_page(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A page with a pre-session form: its token, set as a cookie too."""
    console = _console(request)
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


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


async def _deliver(mailer: Mailer, letter: Letter) -> None:
    """A password link is sent once, not queued: whoever asked sees nothing of the outcome (it would tell
    whether the address has an account) and asks again if nothing arrives."""
    try:
        await mailer.send(letter)
    except MailError as err:
        log.warning("password link to %s not sent: %s", letter.recipient, err.detail)


def console_router() -> APIRouter:
    """Sign-in and out, set-password links, the language switch: the same in both controllers."""
    router = APIRouter(prefix="/console", include_in_schema=False)

    @router.get("/sign-in")
    async def sign_in_page(request: Request, after: str | None = None) -> HTMLResponse:
        return _form_page(request, "console/sign_in.html", after=_after(after), email="")

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        console, form = _console(request), await _pre_session_form(request)
        email, after = _text(form, "email", 320), _after(_text(form, "after"))
        address = request.client.host if request.client else "unknown"
        _ = console.gettext(request)
        try:
            _user, token = await console.accounts(request).sign_in(
                email, _text(form, "password", 1000), address
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
        console = _console(request)
        await console.accounts(request).sign_out(request.cookies.get(console.cookie("session")) or "")
        response = RedirectResponse("/console/sign-in", status_code=303)
        response.delete_cookie(console.cookie("session"), path="/", secure=console.secure, httponly=True)
        return response

    @router.get("/password/{link}")
    async def password_page(request: Request, link: str) -> HTMLResponse:
        user = await _console(request).accounts(request).link_user(link)
        return _form_page(request, "console/password.html", email=user.email)

    @router.post("/password/{link}")
    async def set_password(request: Request, link: str) -> Response:
        console, form = _console(request), await _pre_session_form(request)
        accounts, _ = console.accounts(request), console.gettext(request)
        user = await accounts.link_user(link)
        password = _text(form, "password", 1000)
        error = None
        if password != _text(form, "repeat", 1000):
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
        console, form = _console(request), await _pre_session_form(request)
        email = _text(form, "email", 320)
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


class Desk:
    """What a console page works with: the member of staff signed in (with the role the page needs), their
    owner (an institution, an employer), the controller's context."""

    def __init__(self, staff: SignedIn, owner: Any, ctx: Any, request: Request):
        self.staff, self.owner, self.ctx, self.request = staff, owner, ctx, request

    @property
    def console(self) -> Console:
        return _console(self.request)

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


def staff_pages(administering: DeskDependency) -> APIRouter:
    """The owner's staff, for its administrators: who has an account, adding one, a new set-password link
    for one who forgot theirs (the link is shown to hand over)."""
    router = APIRouter(prefix="/console/staff")

    async def page(
        desk: Desk,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        link: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        _ = desk._
        return desk.render(
            "console/staff.html",
            status=status,
            members=await desk.accounts.users(desk.owner.id),
            values=values or {"role": Role.AWARDING.value},
            errors=errors or {},
            labels={"name": _("Name"), "email": _("E-mail address"), "role": _("Role")},
            roles=[
                (Role.ADMINISTRATOR.value, _("administrator")),
                (Role.AWARDING.value, _("awarding staff")),
                (Role.READER.value, _("read-only")),
            ],
            link=link,
        )

    @router.get("", response_class=HTMLResponse)
    async def list_(desk: Annotated[Desk, Depends(administering)]) -> HTMLResponse:
        return await page(desk)

    @router.post("", response_class=HTMLResponse)
    async def add(desk: Annotated[Desk, Depends(administering)], form: Posted) -> Response:
        _ = desk._
        values = {k: v.strip() for k in ("name", "email", "role") if isinstance(v := form.get(k), str)}
        try:
            data = StaffCreate.model_validate({k: values.get(k, "") for k in ("name", "email", "role")})
        except ValidationError as err:
            messages = {
                "name": _("A name of 1 to 300 characters."),
                "email": _("An e-mail address like name@example.org."),
                "role": _("Choose one of the options."),
            }
            errors = {str(e["loc"][0]): messages[str(e["loc"][0])] for e in err.errors()}
            return await page(desk, values, errors, status=422)
        try:
            _user, token = await desk.accounts.add_user(
                desk.owner.id, data.email, data.name, data.role, None, desk.staff.user.email
            )
        except Conflict:
            return await page(desk, values, {"email": _("This address already has an account.")}, status=409)
        assert token is not None
        return await page(desk, link=set_password_url(desk.console.public_url, token), status=201)

    @router.post("/{user_id}/link", response_class=HTMLResponse)
    async def new_link(user_id: str, desk: Annotated[Desk, Depends(administering)], form: Posted) -> Response:
        _user, token = await desk.accounts.password_link(desk.owner.id, user_id, desk.staff.user.email)
        return await page(desk, link=set_password_url(desk.console.public_url, token))

    return router


def include_console(app: FastAPI, console: Console, routers: list[APIRouter]) -> None:
    """The console's routes, and its errors as pages: signing in where a session is needed, the rest
    explained in the page's language (the API keeps problem+json)."""
    app.state.console = console
    app.include_router(console_router())
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
