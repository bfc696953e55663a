"""Every request body is bounded: refused with 413 before it is parsed, and never read past."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from tests.ftw_observe.api.seed import Seeded, marketplace_specs
from tests.support.asgi import send_in_chunks

JSON = {"Content-Type": "application/json"}
SILENCE = {"matchers": ["service=marketplace"], "author": "ana", "reason": "x", "duration": "1h"}


@pytest.fixture
def app(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.delenv("FTW_API_TOKEN", raising=False)
    return create_app(store=seeded.store, specs=marketplace_specs(), max_body_bytes=2048)


def test_a_body_within_the_limit_is_served(app: FastAPI) -> None:
    answer = send_in_chunks(
        app, "POST", "/api/silences", [json.dumps(SILENCE).encode()], headers=JSON
    )

    assert answer.status == 201, answer.body


def test_a_declared_length_over_the_limit_is_refused_before_reading(app: FastAPI) -> None:
    answer = send_in_chunks(
        app,
        "POST",
        "/api/silences",
        [b"{" * 1024] * 10,
        headers={**JSON, "Content-Length": "10240"},
    )

    assert answer.status == 413
    assert answer.chunks_read == 0
    assert answer.json() == {"detail": "the request body is larger than 2048 bytes"}


def test_a_chunked_body_is_read_no_further_than_the_limit(app: FastAPI) -> None:
    answer = send_in_chunks(app, "POST", "/api/silences", [b" " * 1024] * 10, headers=JSON)

    assert answer.status == 413
    assert answer.chunks_read == 3  # 3 KiB: past the 2 KiB limit, and no further


def test_the_default_limit_refuses_a_large_silence(seeded: Seeded) -> None:
    client = TestClient(create_app(store=seeded.store, specs=marketplace_specs()))
    big = {**SILENCE, "reason": "x" * 70_000}

    response = client.post("/api/silences", json=big)

    assert response.status_code == 413


def test_every_route_that_parses_a_body_documents_400_and_413(app: FastAPI) -> None:
    document = app.openapi()
    with_body = [
        (route.path, method.lower())
        for context in iter_route_contexts(app.router.routes)
        if isinstance(route := context.original_route, APIRoute) and route.body_field is not None
        for method in route.methods or ()
    ]

    assert with_body  # POST /api/silences at least
    for path, method in with_body:
        assert {"400", "413"} <= set(document["paths"][path][method]["responses"]), path
