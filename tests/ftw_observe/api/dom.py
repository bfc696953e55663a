"""Read the numbers a status page shows: `data-field` cells, per `data-slo` row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from ftw_observe.display import format as fmt

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
INDEX_WINDOWS = ("5m", "1h", "6h", "1d", "3d")


@dataclass
class PageRow:
    """One `data-slo` row and the text of each of its `data-field` elements."""

    slo: str
    instance: str
    fields: dict[str, str] = field(default_factory=dict)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[PageRow] = []
        self.page: dict[str, str] = {}
        self._stack: list[tuple[str, str | None, bool]] = []  # tag, field, opens a row
        self._captures: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        attributes = dict(attrs)
        row = "data-slo" in attributes and tag == "tr"
        if row:
            self.rows.append(
                PageRow(attributes["data-slo"] or "", attributes["data-instance"] or "")
            )
        name = attributes.get("data-field")
        if name is not None:
            self._captures.append((name, []))
        self._stack.append((tag, name, row))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self._stack:
            open_tag, name, _ = self._stack.pop()
            if name is not None:
                captured, parts = self._captures.pop()
                text = re.sub(r"\s+", " ", "".join(parts)).strip()
                in_row = any(item[2] for item in self._stack)
                target = self.rows[-1].fields if in_row else self.page
                target.setdefault(captured, text)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, parts in self._captures:
            parts.append(data)


def read_page(html: str) -> tuple[list[PageRow], dict[str, str]]:
    """Return a page's rows and the `data-field` texts outside any row."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.rows, reader.page


def expected_row(item: dict[str, Any]) -> dict[str, str]:
    """Return what the status page must show for one `/api/slos` item."""
    burns = item["burn_rates"]
    period = round(item["period_days"] * 86_400)
    note = fmt.budget_note(item["remaining"], item.get("coverage"), period)
    budget = (
        {"budget_note": note}
        if note
        else {
            "remaining": fmt.budget(item["remaining"]),
            "remaining_minutes": fmt.minutes(item["remaining_minutes"]),
        }
    )
    return {
        "objective": fmt.objective(item["objective"]),
        "sli": fmt.sli(item["sli"]),
        **budget,
        **{f"burn_{w}": fmt.burn(burns.get(w)) for w in INDEX_WINDOWS},
        "status": item["status"].replace("_", " "),
        "time_to_exhaustion": fmt.NONE
        if note
        else fmt.exhaustion(item["remaining"], item["seconds_to_exhaustion"]),
    }


def expected_detail(
    instance: dict[str, Any], objective: float, period_days: float = 30
) -> dict[str, str]:
    """Return what the detail page must show for one instance of `/api/slos/{s}/{slo}`."""
    period = round(period_days * 86_400)
    note = fmt.budget_note(instance["remaining"], instance.get("coverage"), period)
    return {
        **({"budget_note": note} if note else {}),
        "objective": fmt.objective(objective),
        "sli": fmt.sli(instance["sli"]),
        "remaining": fmt.budget(instance["remaining"]),
        "remaining_minutes": fmt.minutes(instance["remaining_minutes"]),
        "time_to_exhaustion": fmt.NONE
        if note
        else fmt.exhaustion(instance["remaining"], instance["seconds_to_exhaustion"]),
        "events": fmt.count(instance["events"]),
        "errors": fmt.count(instance["errors"]),
        "status": instance["status"].replace("_", " "),
        **{f"burn_{w['window']}": fmt.burn(w["burn_rate"]) for w in instance["windows"]},
    }
