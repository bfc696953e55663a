"""Runbooks at the URLs alerts link to: `<name>.md` of the runbook directories, as HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ftw_observe.api.schemas import page
from ftw_observe.engine.settings import SHIPPED_RUNBOOKS

RUNBOOK_DIR = SHIPPED_RUNBOOKS
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
HTML = {"content": {"text/html": {}}, "description": "The runbook as an HTML page"}

router = APIRouter(
    prefix="/runbooks",
    tags=["runbooks"],
    responses={404: page("No runbook of that name")},
)


def anchor(title: str) -> str:
    """Return the anchor of a heading the way GitHub makes it: `Host high CPU` → `host-high-cpu`."""
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=True)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _LINK.sub(r'<a href="\2">\1</a>', escaped)


def render_markdown(text: str) -> str:
    """Render the Markdown runbooks use (headings, lists, paragraphs, code) to HTML."""
    out: list[str] = []
    paragraph: list[str] = []
    in_list = in_code = False

    def flush() -> None:
        nonlocal in_list
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if in_list:
            out.append("</ul>")
            in_list = False

    for line in text.splitlines():
        if line.startswith("```"):
            flush()
            out.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
        elif in_code:
            out.append(html.escape(line))
        elif match := re.match(r"(#{1,3}) (.+)", line):
            flush()
            level, title = len(match.group(1)), match.group(2)
            out.append(f'<h{level} id="{anchor(title)}">{_inline(title)}</h{level}>')
        elif match := re.match(r"\s*(?:[-*]|\d+\.) (.+)", line):
            if paragraph:
                out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
                paragraph.clear()
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(match.group(1))}</li>")
        elif not line.strip():
            flush()
        elif in_list and line.startswith("  "):
            out[-1] = out[-1].removesuffix("</li>") + " " + _inline(line.strip()) + "</li>"
        else:
            paragraph.append(line.strip())
    flush()
    return "\n".join(out)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} · FTW Observe</title><style>"
        "body{font:15px/1.55 system-ui,sans-serif;color:#1f2328;margin:32px auto;"
        "max-width:860px;padding:0 24px}code{background:#f3f4f6;padding:1px 4px;"
        "border-radius:4px;font-size:13px}pre{background:#f3f4f6;padding:12px;overflow:auto}"
        "h2{margin-top:32px;border-top:1px solid #d0d7de;padding-top:16px}a{color:#0969da}"
        f'</style></head><body><p><a href="/">← every SLO</a></p>{body}</body></html>'
    )


def find_runbook(directories: Sequence[Path], name: str) -> Path | None:
    """Return `<name>.md` of the first directory that holds it, or None."""
    if not _NAME.fullmatch(name):
        return None
    for directory in directories:
        path = directory / f"{name}.md"
        if path.is_file():
            return path
    return None


@router.get("/{name}", response_class=HTMLResponse, responses={200: HTML})
def runbook(name: str, request: Request) -> HTMLResponse:
    """Show one runbook file, e.g. `/runbooks/thresholds#host-high-cpu-utilization`."""
    directories: tuple[Path, ...] = request.app.state.runbook_dirs
    path = find_runbook(directories, name)
    if path is None:
        searched = " or ".join(str(directory) for directory in directories)
        raise HTTPException(404, f"There is no runbook called {name!r} in {searched}.")
    return HTMLResponse(_page(name, render_markdown(path.read_text(encoding="utf-8"))))


@router.get("/{service}/{slo}", response_class=RedirectResponse, status_code=307)
def slo_runbook(service: str, slo: str) -> RedirectResponse:
    """Send an SLO alert's runbook link to its section of the service's runbook."""
    return RedirectResponse(f"/runbooks/{service}#{anchor(slo)}", status_code=307)
