"""/healthz, /readyz (database, Redis when configured, storage), /metrics and JSON logs."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from bidbridge.app import create_app
from bidbridge.observability.logs import JsonFormatter
from bidbridge.storage.local import LocalStorage
from tests.factories import auth, get_token
from tests.live import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


def _client(runtime, **settings) -> TestClient:  # type: ignore[no-untyped-def]
    changed = dataclasses.replace(runtime, settings=runtime.settings.model_copy(update=settings),
                                  extras={})
    return TestClient(create_app(changed.settings, runtime=changed))


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_healthz_answers_without_touching_dependencies(runtime, tmp_path) -> None:
    broken = dataclasses.replace(runtime, storage=LocalStorage(tmp_path / "file" / "files"))
    (tmp_path / "file").write_text("a file where the storage directory should be")
    with TestClient(create_app(broken.settings, runtime=broken)) as c:
        response = c.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_redis_and_storage(runtime) -> None:
    with _client(runtime, redis_url=REDIS_URL) as c:
        response = c.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "redis", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:  # no Redis configured
        assert set(c.get("/readyz").json()["checks"]) == {"database", "storage"}


def test_readyz_is_503_with_retry_after_when_a_dependency_fails(runtime, tmp_path) -> None:
    (tmp_path / "file").write_text("not a directory")
    broken = dataclasses.replace(
        runtime, storage=LocalStorage(tmp_path / "file" / "files"), extras={},
        settings=runtime.settings.model_copy(
            update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}))
    with TestClient(create_app(broken.settings, runtime=broken)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["storage"] == {"ok": False, "error": "StorageError", "ms": checks["storage"]["ms"]}
    assert checks["redis"]["ok"] is False and checks["redis"]["error"] == "ConnectionError"
    assert "tmp" not in response.text  # no paths or hosts in the public answer


def test_readyz_is_503_when_s3_is_down(runtime, s3) -> None:
    from tests.conftest import make_s3_storage

    on_s3 = dataclasses.replace(runtime, storage=make_s3_storage(s3, timeout_seconds=0.5,
                                                                 max_attempts=1), extras={})
    with TestClient(create_app(on_s3.settings, runtime=on_s3)) as c:
        assert c.get("/readyz").status_code == 200
        s3.pause()
        try:
            down = c.get("/readyz")
        finally:
            s3.resume()
        assert down.status_code == 503 and down.json()["checks"]["storage"]["ok"] is False
        assert c.get("/readyz").status_code == 200


def test_metrics_count_requests_by_function_and_status(runtime, factory) -> None:
    setup = factory.company()
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        before = _samples(c.get("/metrics").text)
        token = get_token(c, setup)
        for _ in range(3):
            assert c.get("/rest/subcontractor/v1/me", headers=auth(token)).status_code == 200
        assert c.get("/rest/subcontractor/v1/me", headers=auth("0" * 128)).status_code == 401
        response = c.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)

    def grew(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("bidbridge_http_requests_total", function="getMe", status="200") == 3
    assert grew("bidbridge_http_requests_total", function="getMe", status="401") == 1
    assert grew("bidbridge_http_requests_total", function="getToken", status="200") == 1
    assert grew("bidbridge_http_request_duration_seconds_count", function="getMe") == 4
    assert grew("bidbridge_http_request_duration_seconds_bucket", function="getMe", le="+Inf") == 4
    pool = {dict(labels)["state"] for name, labels in after if name == "bidbridge_db_pool_connections"}
    assert {"checkedout", "checkedin"} <= pool


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines() -> Iterator[_Lines]:
    handler = _Lines()
    logger = logging.getLogger("bidbridge")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    logger.addHandler(handler)
    try:
        yield handler
    finally:  # the app installs its JSON handler process-wide: put the logger back as it was
        logger.handlers, logger.propagate, logger.level = saved


def test_json_logs_carry_the_request_id(runtime, tmp_path, json_lines) -> None:
    (tmp_path / "file").write_text("not a directory")
    broken = dataclasses.replace(runtime, storage=LocalStorage(tmp_path / "file" / "files"),
                                 settings=runtime.settings.model_copy(update={"log_json": True}))
    with TestClient(create_app(broken.settings, runtime=broken)) as c:
        c.get("/readyz", headers={"X-Request-Id": "req-1234567890"})
    entries = [json.loads(line) for line in json_lines.lines]
    failed = [e for e in entries if e["message"].startswith("readiness check storage failed")]
    assert failed, entries
    assert failed[0]["request_id"] == "req-1234567890"
    assert failed[0]["level"] == "warning" and failed[0]["logger"] == "bidbridge.health"
    assert set(failed[0]) >= {"time", "level", "logger", "message", "request_id"}
    handlers = logging.getLogger("bidbridge").handlers
    assert any(isinstance(h.formatter, JsonFormatter) for h in handlers if h is not json_lines)
