"""Block Kit's rules and limits, as Slack checks them on chat.postMessage and chat.update."""

from __future__ import annotations

from typing import Any


def _text_errors(obj: Any, pointer: str, limit: int, plain_only: bool = False) -> list[str]:
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"[ERROR] must be a {' or '.join(kinds)} text object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"[ERROR] must be at least 1 character [json-pointer:{pointer}/text]"]
    if len(text) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _element_errors(element: Any, pointer: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return [f"[ERROR] unsupported element [json-pointer:{pointer}]"]
    errors = _text_errors(element.get("text"), f"{pointer}/text", 75, plain_only=True)
    url, action_id = element.get("url"), element.get("action_id")
    if url is not None and (not isinstance(url, str) or len(url) > 3000):
        errors.append(f"[ERROR] must be less than 3001 characters [json-pointer:{pointer}/url]")
    if action_id is not None:
        if not isinstance(action_id, str) or len(action_id) > 255 or action_id in action_ids:
            errors.append(f"[ERROR] invalid or repeated action_id [json-pointer:{pointer}]")
        action_ids.add(str(action_id))
    return errors


def block_errors(blocks: Any) -> list[str]:
    """Return every way `blocks` break Block Kit's rules and limits (empty when valid)."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    errors = []
    if len(blocks) > 50:
        errors.append("[ERROR] must provide no more than 50 items [json-pointer:/blocks]")
    action_ids: set[str] = set()
    for index, block in enumerate(blocks):
        at = f"/blocks/{index}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "header":
            errors += _text_errors(block.get("text"), f"{at}/text", 150, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"[ERROR] must provide text or fields [json-pointer:{at}]")
            if "text" in block:
                errors += _text_errors(block["text"], f"{at}/text", 3000)
            fields = block.get("fields", [])
            if len(fields) > 10:
                errors.append(f"[ERROR] no more than 10 items [json-pointer:{at}/fields]")
            for i, item in enumerate(fields):
                errors += _text_errors(item, f"{at}/fields/{i}", 2000)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                errors.append(f"[ERROR] must provide 1 to 10 items [json-pointer:{at}/elements]")
            for i, item in enumerate(elements):
                errors += _text_errors(item, f"{at}/elements/{i}", 3000)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                errors.append(f"[ERROR] must provide 1 to 25 items [json-pointer:{at}/elements]")
            for i, item in enumerate(elements):
                errors += _element_errors(item, f"{at}/elements/{i}", action_ids)
        elif kind != "divider":
            errors.append(f"[ERROR] unsupported type {kind!r} [json-pointer:{at}/type]")
    return errors
