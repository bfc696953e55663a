"""Every request body is bounded: refused with 413 before it is parsed, and never read past."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.api.silence_access import SilenceRules
from tests.ftw_observe.api.seed import Seeded, marketplace_specs
from tests.support.asgi import send_in_chunks

TOKEN = "bodies-test-token"
JSON = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
SILENCE = {"matchers": ["service=marketplace"], "author": "ana", "reason": "x", "duration": "1h"}


@pytest.fixture
def app(seeded: Seeded) -> FastAPI:
    return create_app(
        store=seeded.store,
        specs=marketplace_specs(),
        max_body_bytes=2048,
        silence_rules=SilenceRules(token=TOKEN),
    )


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
    app = create_app(
        store=seeded.store, specs=marketplace_specs(), silence_rules=SilenceRules(token=TOKEN)
    )
    big = {**SILENCE, "reason": "x" * 70_000}

    response = TestClient(app).post("/api/silences", json=big, headers=JSON)

    assert response.status_code == 413


def test_every_route_that_parses_a_body_documents_400_and_413(app: FastAPI) -> None:
    document = app.openapi()
    with_body = [
        (path, method)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]

    assert with_body  # POST /api/silences at least
    for path, method in with_body:
        assert {"400", "413"} <= set(document["paths"][path][method]["responses"]), path
