"""/docs: Swagger UI from the vendored copy (backend/web/api_docs.py), never from a CDN."""

import re

from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import Settings
from backend.web import api_docs


def docs_client(tmp_path):
    # No lifespan (no `with`): nothing to migrate or index for a page.
    return TestClient(create_app(Settings(_env_file=None, environment="test", data_dir=tmp_path)))


def test_docs_load_swagger_ui_from_this_backend_only(tmp_path):
    client = docs_client(tmp_path)
    response = client.get("/docs")
    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources == ["/static/vendor/swagger-ui.css", "/static/vendor/swagger-ui-bundle.js", "/static/js/api_docs.js"]
    assert "cdn" not in response.text and "<script>" not in response.text  # no inline script either
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "connect-src 'self';" in csp and "unsafe-eval" not in csp
    assert 'data-openapi-url="/openapi.json"' in response.text
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_docs_without_the_vendored_files_say_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setattr(api_docs, "VENDOR_DIR", tmp_path / "empty")
    response = docs_client(tmp_path).get("/docs")
    assert response.status_code == 503
    assert "swagger-ui-bundle.js" in response.text and "make setup" in response.text and "セットアップ" in response.text
