"""The path and body of each step of a job's flow."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from marketplace.loadgen.actions import ActionKind, Actor

if TYPE_CHECKING:
    from marketplace.loadgen.flows import Flow

TITLES = (
    "Fix a leaking kitchen tap",
    "Repaint the living room",
    "Replace two roof tiles",
    "Install a garden fence",
    "Service the boiler",
    "Tile the bathroom floor",
    "Rewire the garage",
    "Clear the gutters",
)


def step_request(
    flow: Flow, kind: ActionKind, actor: Actor, rng: random.Random
) -> tuple[str, dict[str, Any] | None]:
    """Return the path and JSON body of `flow`'s next `kind` request, sent by `actor`."""
    job = f"/api/jobs/{flow.job_id}"
    awarded = flow.awarded()
    if kind is ActionKind.POST_JOB:
        title = rng.choice(TITLES)
        return "/api/jobs", {
            "territory_id": flow.territory_id,
            "title": title,
            "description": f"{title}; access from the back garden, weekdays preferred.",
            "budget_cents": flow.budget_cents,
        }
    if kind is ActionKind.BID:
        amount = max(100, int(flow.budget_cents * rng.uniform(0.6, 1.1)))
        return f"{job}/bids", {"amount_cents": amount, "message": "Available next week."}
    if kind is ActionKind.ACCEPT and awarded is not None:
        return f"/api/bids/{awarded.bid_id}/accept", None
    if kind is ActionKind.MESSAGE and awarded is not None:
        other = awarded.contractor if actor == flow.homeowner else flow.homeowner
        return f"{job}/messages", {"recipient_id": other.user_id, "body": "Does 9am suit?"}
    if kind is ActionKind.INVOICE and awarded is not None:
        return "/api/invoices", {"job_id": flow.job_id, "amount_cents": awarded.amount_cents}
    if kind is ActionKind.PAYOUT:
        return "/api/payouts", {"invoice_id": flow.invoice_id}
    if kind is ActionKind.GET_PAYOUT:
        return f"/api/payouts/{flow.payout_id}", None
    suffix = {
        ActionKind.LIST_BIDS: "/bids",
        ActionKind.LIST_MESSAGES: "/messages",
        ActionKind.COMPLETE: "/complete",
        ActionKind.CANCEL: "/cancel",
    }
    return job + suffix[kind], None
