"""The employer's console (``/console``): recruiters ask a candidate for a microcredential (the criteria,
then a QR code on screen), watch the answer arrive and read the report in plain language; past requests;
the employer's staff. Thin routes over the same services as the API."""

from fastapi import APIRouter

from common.web.console import staff_pages

from . import requests
from .desk import administering, of

__all__ = ["of", "routers"]

routers: list[APIRouter] = [requests.router, staff_pages(administering)]
