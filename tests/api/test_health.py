"""The app factory boots on each backend and reports its state at /healthz."""


async def test_healthz_reports_database_and_store(client, backend):
    resp = await client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "backend": "sqlite" if backend == "sqlite" else "postgres"}
    assert body["store"] == {"ok": True, "backend": "memory" if backend == "sqlite" else "redis"}
    assert resp.headers["X-Request-Id"]


async def test_request_id_from_the_caller_is_echoed(client):
    resp = await client.get("/healthz", headers={"X-Request-Id": "abc123"})
    assert resp.headers["X-Request-Id"] == "abc123"
