from pathlib import Path

import httpx
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[1]


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_migrated_schema(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    head = ScriptDirectory(str(ROOT / "alembic")).get_current_head()
    assert head is not None and len(head) == 4
    assert response.json()["schema_revision"] == head


async def test_openapi_documents_the_contract_endpoints(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/events",
        "/events/{event_id}",
        "/places",
        "/places/{place_id}",
        "/places/{place_id}/events",
        "/reports/{report_id}",
        "/healthz",
        "/readyz",
    ):
        assert path in paths
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_browsers_on_other_origins_may_read_and_write(client: httpx.AsyncClient) -> None:
    origin = {"Origin": "https://dashboard.example.org"}
    response = await client.get("/healthz", headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = await client.options(
        "/events",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
