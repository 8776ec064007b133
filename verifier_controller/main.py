"""ASGI entry point: ``uvicorn verifier_controller.main:create_app --factory``."""

from fastapi import FastAPI

from common.app import create_controller_app

from .config import VerifierSettings


def create_app(settings: VerifierSettings | None = None) -> FastAPI:
    return create_controller_app(
        settings or VerifierSettings(),
        title="mcred verifier",
        description="Employers request microcredentials and get verification reports.",
        version="0.1.0",
        routers=[],
    )
