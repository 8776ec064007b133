"""ASGI entry point: ``uvicorn issuer_controller.main:create_app --factory``."""

from fastapi import FastAPI

from common.app import create_controller_app

from .config import IssuerSettings


def create_app(settings: IssuerSettings | None = None) -> FastAPI:
    return create_controller_app(
        settings or IssuerSettings(),
        title="mcred issuer",
        description="Institutions define microcredentials and issue them to learners' wallets.",
        version="0.1.0",
        routers=[],
    )
