"""/docs: the API's map in Swagger UI, from the copy of npm swagger-ui-dist in static/vendor/ (tools/build_web.py).

FastAPI's own /docs page loads Swagger UI from a CDN, so it was blank offline and asked a third party for every
visit. This page loads the vendored bundle and styles and a small initializer (static/js/api_docs.js): no
inline script, nothing from another origin. Missing files answer the setup page (503), as the other pages do.
"""

from __future__ import annotations

import logging
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from backend.web.pages import MISSING_VENDOR_TEMPLATE, PAGE_HEADERS, Page, render
from backend.web.vendor import VENDOR_DIR, missing

log = logging.getLogger("resident.web")

SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")
# The pages' policy, except that Swagger UI sets style attributes and shows data: images (its icons).
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
# Not a site page (no header, no language switch: Swagger UI is the page), so not a template extending base.html.
DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} API</title>
  <link rel="stylesheet" href="/static/vendor/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="/static/vendor/swagger-ui-bundle.js"></script>
  <script src="/static/js/api_docs.js"></script>
</body>
</html>
"""


def include(app: FastAPI, openapi_url: str) -> None:
    """Adds GET /docs (the app is built with docs_url=None)."""

    page = DOCS_HTML.format(title=escape(app.title), openapi_url=escape(openapi_url))

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui() -> HTMLResponse:
        absent = missing(SWAGGER_FILES, VENDOR_DIR)
        if absent:
            log.error("/docs: vendored files missing in %s: %s (run tools/build_web.py)", VENDOR_DIR,
                      ", ".join(absent))
            return HTMLResponse(render(Page("/docs", MISSING_VENDOR_TEMPLATE), missing=absent),
                                status_code=503, headers=PAGE_HEADERS)
        return HTMLResponse(page, headers={**PAGE_HEADERS, "Content-Security-Policy": DOCS_CSP})
