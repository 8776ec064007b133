"""The dashboard: offers by state and what the staff did lately."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ..services import offers
from .desk import Reading

router = APIRouter(prefix="/console")


@router.get("", response_class=HTMLResponse)
async def dashboard(desk: Reading) -> HTMLResponse:
    ctx, institution = desk.ctx, desk.owner
    return desk.render(
        "console/dashboard.html",
        counts=await offers.count_by_state(ctx, institution),
        latest=await offers.list_offers(ctx, institution, None, 10, 0, newest_first=True),
        activity=await ctx.accounts.recent(institution.id, 15),
    )
