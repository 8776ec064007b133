"""Pages people open (a learner's offer, a pathway, an employer's request, /verify): the console's Jinja2
environment (autoescape, the reader's language) — every value a page shows is escaped; markup of ours (a QR
code's SVG) is marked safe where it is made. Their style and script are files served from this origin
(``/static``), so the pages carry no inline code and the Content-Security-Policy allows none
(``common.web.headers``). A controller's templates are in its ``pages`` folder; the shared layout, the
invitation block and the static files in ``common/web/pages``."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from .qr import deep_link, qr_svg

__all__ = ["install_static", "invitation", "public_page"]


def public_page(request: Request, template: str, /, brand: str, **values: Any) -> HTMLResponse:
    """A page anyone opens, in the console's look and the reader's language (``common.web.console``);
    ``brand`` names whose page it is (an institution, an employer). It has no form of the console's, so it
    keeps the strictest referrer policy: a link from it tells the next site nothing (not the offer's URL)."""
    page = request.app.state.console.render(request, template, brand=brand, **values)
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


def invitation(url: str) -> dict[str, Any]:
    """What ``invitation.html`` shows of an invitation URL: its QR code (our SVG) and its deep link."""
    return {"qr": Markup(qr_svg(url)), "link": deep_link(url)}


def install_static(app: FastAPI) -> None:
    app.mount(
        "/static", StaticFiles(directory=str(resources.files("common.web") / "pages" / "static")), "static"
    )
