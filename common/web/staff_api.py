"""``/v1/staff``: an owner's machine (its API key) makes the first console accounts — with a password, or
with a set-password link to hand to the person. Administrators add the rest in the console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..accounts import PASSWORD_MAX, PASSWORD_MIN, Role
from ..clock import UtcDatetime

__all__ = ["StaffCreate", "StaffOut", "set_password_url", "staff_router"]

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    name: str = Field(min_length=1, max_length=300)
    role: Role
    password: str | None = Field(
        default=None, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX,
        description="Omitted: the answer carries a set-password link for the person (valid three days)",
    )  # fmt: skip


class StaffOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    active: bool
    created_at: UtcDatetime
    set_password_url: str | None = None


def set_password_url(public_url: str, link: str) -> str:
    return f"{public_url}/console/password/{link}"


def _out(user: Any, link_url: str | None = None) -> StaffOut:
    return StaffOut(
        id=user.id, email=user.email, name=user.name, role=user.role, active=user.active,
        created_at=user.created_at, set_password_url=link_url,
    )  # fmt: skip


def staff_router(current_owner: Callable[..., Any]) -> APIRouter:
    """``current_owner``: the controller's dependency that reads the API key (an institution, an employer)."""
    router = APIRouter(prefix="/v1/staff", tags=["staff"])
    owned = Depends(current_owner)

    @router.post("", status_code=201, response_model=StaffOut, operation_id="staff-create")
    async def create(data: StaffCreate, request: Request, response: Response, owner: Any = owned) -> StaffOut:
        """A console account of the key's owner; its e-mail address must be new to this service."""
        console = request.app.state.console
        user, link = await console.accounts(request).add_user(
            owner.id, data.email, data.name, data.role, data.password, "API key"
        )
        response.headers["Cache-Control"] = "no-store"
        return _out(user, set_password_url(console.public_url, link) if link else None)

    @router.get("", response_model=list[StaffOut], operation_id="staff-list")
    async def list_(request: Request, owner: Any = owned) -> list[StaffOut]:
        return [_out(u) for u in await request.app.state.console.accounts(request).users(owner.id)]

    return router
