"""The app factory: every refusal is JSON with a code and English and Japanese messages; the wiring (one
`Services`, the router list, development routes only outside production). The layering rules (no import
cycles, dependencies pointing down) are tests/backend/test_layers.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from backend.api import DEVELOPMENT_ROUTERS, ROUTERS
from backend.app import create_app
from backend.services import Services
from tests.backend.production import production_settings


class Echo(BaseModel):
    name: str
    count: int


@pytest.fixture
def echo_client(settings):
    app = create_app(settings.model_copy(update={"indexer_enabled": False, "max_body_bytes": 2048}))

    @app.post("/echo")
    def echo(body: Echo) -> Echo:
        return body

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["detail"] == body["message_en"] and body["message_en"]
    assert body["message_ja"] and body["message_ja"] != body["message_en"]
    return body


def test_unknown_path_is_a_json_404(echo_client):
    assert_error(echo_client.get("/no/such/thing"), 404, "not_found")


def test_wrong_method_is_a_json_405(echo_client):
    assert_error(echo_client.delete("/health"), 405, "method_not_allowed")


def test_malformed_json_is_a_422_that_says_so(echo_client):
    body = assert_error(echo_client.post("/echo", content=b"{not json", headers={"content-type": "application/json"}),
                        422, "invalid_request")
    assert "not valid JSON" in body["detail"]


def test_missing_field_is_named(echo_client):
    body = assert_error(echo_client.post("/echo", json={"name": "x"}), 422, "invalid_request")
    assert "count" in body["detail"]
    assert body["errors"][0]["loc"][-1] == "count"


def test_a_validation_error_names_the_field_as_the_pages_do_in_both_languages(echo_client):
    body = assert_error(echo_client.post("/echo", json={"count": "many"}), 422, "invalid_request")
    assert body["message_ja"] == "リクエストが正しくありません: 名前を入力してください。countは整数で入力してください。"
    assert body["message_en"] == "The request is not valid: Name is required; count must be a whole number."
    assert [e["type"] for e in body["errors"]] == ["missing", "int_parsing"]


def test_oversized_body_is_refused_by_its_length(echo_client):
    body = assert_error(echo_client.post("/echo", json={"name": "x" * 5000, "count": 1}), 413, "body_too_large")
    assert "2048" in body["detail"]


def test_oversized_body_without_a_length_is_refused_while_streaming(echo_client):
    def chunks():
        for _ in range(10):
            yield b"x" * 1000

    response = echo_client.post("/echo", content=chunks(), headers={"content-type": "application/json"})
    assert_error(response, 413, "body_too_large")


def test_valid_body_passes(echo_client):
    assert echo_client.post("/echo", json={"name": "美祢", "count": 2}).json() == {"name": "美祢", "count": 2}


def test_bad_address_is_a_422(client):
    assert_error(client.get("/holders/0x123/cards"), 422, "invalid_address")


def test_unknown_card_is_a_404(client):
    assert_error(client.get("/cards/1/999999"), 404, "card_not_found")


def test_non_numeric_path_parameter_is_a_422(client):
    assert_error(client.get("/cards/one/1"), 422, "invalid_request")


def test_openapi_documents_the_core_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/cards/{collection_id}/{token_id}", "/holders/{address}/cards"} <= set(paths)


# --- the wiring: one composition root, routers by audience ------------------------------------------------
BACKEND = Path(__file__).resolve().parents[2] / "backend"


def _walk(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (mounted lazily)
            yield from _walk(route.original_router.routes)


def test_routes_reach_the_services_only_through_the_dependencies():
    """app.state holds one object, `Services`; only backend/api/deps.py reads it (and backend/app.py sets it)."""
    readers = sorted(str(path.relative_to(BACKEND)) for path in BACKEND.rglob("*.py")
                     if re.search(r"\bapp\.state\b|request\.app\b", path.read_text(encoding="utf-8")))
    assert readers == ["api/deps.py", "app.py"]


def test_the_app_keeps_its_services_in_one_typed_object(app):
    services = app.state.services
    assert isinstance(services, Services)
    assert set(app.state._state) == {"services"}
    assert services.workers == [services.airdrop_worker] and services.redeemer.signer is services.pass_signer


def test_every_router_of_the_list_is_mounted_and_development_routes_only_outside_production(app, tmp_path):
    mounted = {route.path for route in _walk(app.router.routes)}
    listed = {route.path for router in ROUTERS for route in router.routes}
    assert listed <= mounted
    development = {route.path for router in DEVELOPMENT_ROUTERS for route in router.routes}
    assert development == {"/dev/identity/assertion", "/dev/identity/consent"} and development <= mounted
    production = create_app(production_settings(tmp_path))
    assert not {route.path for route in _walk(production.router.routes)} & development
    assert listed <= {route.path for route in _walk(production.router.routes)}


def test_every_json_route_declares_its_response_model(app):
    bare = [(route.path, sorted(route.methods)) for route in _walk(app.router.routes)
            if route.response_model is None and route.status_code != 204
            and getattr(route.response_class, "value", route.response_class) is JSONResponse]
    assert bare == []



def test_production_serves_no_api_docs_unless_they_are_enabled(tmp_path):
    maps = ("/docs", "/openapi.json", "/redoc")  # no /redoc at all: ReDoc would need a CDN
    closed = TestClient(create_app(production_settings(tmp_path)))  # no lifespan: nothing to migrate for this
    assert [closed.get(path).status_code for path in maps] == [404, 404, 404]
    opened = TestClient(create_app(production_settings(tmp_path, api_docs=True)))
    assert [opened.get(path).status_code for path in maps] == [200, 200, 404]


def test_the_data_directory_and_the_sqlite_file_are_private(tmp_path):
    import os
    import stat

    from backend.db import make_engine, migrate

    data = tmp_path / "data"
    old_umask = os.umask(0o022)  # the usual umask, which would leave both readable by everyone
    try:
        settings = production_settings(data, database_url=f"sqlite:///{data / 'db' / 'resident.db'}")
        create_app(settings)
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        with engine.begin() as connection:  # a write, so SQLite makes its -wal and -shm files
            connection.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in (data / "db").glob("resident.db*")}
        engine.dispose()
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700 and stat.S_IMODE((data / "db").stat().st_mode) == 0o700
    assert {"resident.db", "resident.db-wal"} <= set(modes) and set(modes.values()) == {0o600}, modes


def test_an_existing_world_readable_sqlite_file_is_narrowed(tmp_path):
    import stat

    from backend.db import make_engine

    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
