"""The latest scheduled budget review's full report, as the page its Slack summary links to."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

from ftw_observe.api.deps import ContextDep
from ftw_observe.api.schemas import page

PATH = "/reports/latest.html"
HTML = {"content": {"text/html": {}}, "description": "The report as a self-contained HTML page"}

router = APIRouter(tags=["reports"], responses={404: page("No review has been made yet")})


@router.get(PATH, response_class=HTMLResponse, responses={200: HTML})
def latest_report(context: ContextDep) -> HTMLResponse:
    """Return the HTML report of the newest weekly budget review (read-only)."""
    found = context.store.latest_review_html()
    if found is None:
        raise HTTPException(404, "no budget review has been made yet")
    return HTMLResponse(found)
