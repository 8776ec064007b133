"""The institution's console (``/console``): its staff define microcredentials, award them to one learner,
follow and revoke what was issued, and manage who may do what. Thin routes over the same services as the
API; every change is audited with the member of staff who made it."""

from fastapi import APIRouter

from common.web.sign_in import sign_in_pages
from common.web.staff_pages import staff_pages

from . import credentials, dashboard, microcredentials, pathways, profile
from .desk import administering, of

__all__ = ["of", "routers"]

routers: list[APIRouter] = [
    sign_in_pages(),
    dashboard.router,
    microcredentials.router,
    credentials.router,
    pathways.router,
    profile.router,
    staff_pages(administering),
]
