"""Pages people open (a learner's offer, a pathway, an employer's request): Jinja2 templates with autoescape —
every value a page shows is escaped; markup of ours (a QR code's SVG) is marked safe where it is made. Their
style and script are files served from this origin (``/static``), so the pages carry no inline code and the
Content-Security-Policy allows none (``common.web.headers``). A controller's templates are in its ``pages``
folder; the shared layout, the invitation block and the static files in ``common/web/pages``."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from .qr import deep_link, qr_svg

__all__ = ["Pages", "install_static", "invitation"]


class Pages:
    def __init__(self, package: str):
        self.env = Environment(
            loader=ChoiceLoader([PackageLoader(package, "pages"), PackageLoader("common.web", "pages")]),
            autoescape=True,
        )

    def render(self, template: str, /, **values: Any) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(template).render(**values))


def invitation(url: str) -> dict[str, Any]:
    """What ``invitation.html`` shows of an invitation URL: its QR code (our SVG) and its deep link."""
    return {"qr": Markup(qr_svg(url)), "link": deep_link(url)}


def install_static(app: FastAPI) -> None:
    app.mount(
        "/static", StaticFiles(directory=str(resources.files("common.web") / "pages" / "static")), "static"
    )
