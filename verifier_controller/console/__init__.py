"""The employer's console (``/console``): recruiters ask a candidate for a microcredential (the criteria,
then a QR code on screen), watch the answer arrive and read the report in plain language; past requests;
the employer's staff. Thin routes over the same services as the API."""

from fastapi import APIRouter

from common.web.sign_in import sign_in_pages
from common.web.staff_pages import staff_pages

from . import requests
from .desk import administering, of

__all__ = ["of", "routers"]

routers: list[APIRouter] = [sign_in_pages(), requests.router, staff_pages(administering)]
