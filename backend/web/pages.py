"""The web app's pages: HTML files from backend/web/pages/, static files at /static, and /web/config.

A page is one HTML file with no inline script or style (the Content-Security-Policy below forbids them):
it loads /static/css/app.css and one ES module from /static/js/. To add a page, add a `Page` to PAGES.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.staticfiles import StaticFiles

from backend.api.deps import SettingsDep
from backend.web.chains import add_chain_params, chain_name
from backend.web.vendor import VENDOR_DIR, missing

log = logging.getLogger("resident.web")

PAGES_DIR = Path(__file__).resolve().parent / "pages"
STATIC_DIR = Path(__file__).resolve().parent / "static"

# Scripts and styles only from this origin; images also as data: (wallet icons, EIP-6963) and blob: (QR codes);
# the wallet is an EIP-1193 provider inside the page, so the page itself talks to nobody but this backend.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; media-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",  # revalidate every time: a new release must never meet an old page
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # The desk page asks for the camera; nothing else may.
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class Page:
    path: str  # the URL path
    file: str  # the HTML file in backend/web/pages/
    vendor: tuple[str, ...] = field(default=())  # files it needs in static/vendor/ (tools/build_web.py)


PAGES = (
    Page("/", "holder.html"),
    Page("/desk", "desk.html", vendor=("zxing-library.min.js", "zxing-browser.min.js")),
    Page("/console", "console.html", vendor=("chart.umd.min.js",)),
    Page("/activity-qr", "activity_qr.html"),  # an activity's rotating check-in QR, for the organiser's screen
)

MISSING_VENDOR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Setup incomplete / セットアップ未完了</title></head>
<body><h1>This page cannot load: setup is incomplete.</h1>
<p>Missing browser libraries: {names}. Run <code>make setup</code> (or <code>python tools/build_web.py</code>)
on the server, then reload.</p>
<h1 lang="ja">セットアップが完了していないため、このページを表示できません。</h1>
<p lang="ja">不足しているブラウザ用ライブラリ: {names}。サーバーで <code>make setup</code>
（または <code>python tools/build_web.py</code>）を実行してから再読み込みしてください。</p></body></html>
"""

router = APIRouter(tags=["web"])


def _page_route(page: Page):
    def read_page() -> HTMLResponse:
        absent = missing(page.vendor, VENDOR_DIR)
        if absent:
            log.error("page %s: vendored files missing in %s: %s (run tools/build_web.py)", page.path, VENDOR_DIR,
                      ", ".join(absent))
            return HTMLResponse(MISSING_VENDOR_PAGE.format(names=", ".join(absent)), status_code=503,
                                headers=PAGE_HEADERS)
        return HTMLResponse((PAGES_DIR / page.file).read_text(encoding="utf-8"), headers=PAGE_HEADERS)

    read_page.__name__ = f"read_page_{page.file.removesuffix('.html')}"
    read_page.__doc__ = f"The web page {page.file}."
    return read_page


for _page in PAGES:
    router.add_api_route(_page.path, _page_route(_page), methods=["GET"], response_class=HTMLResponse,
                         include_in_schema=False)


class WebConfig(BaseModel):
    chain_id: int
    chain_name: str
    add_chain: dict | None = Field(description="The wallet_addEthereumChain parameter (EIP-3085), or null when "
                                               "the wallet must be set up by hand")
    extensions: dict[str, list[str]] = Field(description="Per page (holder, desk, console): the optional modules "
                                                         "in /static/js/ named <page>_*.js, which the page imports")


def extension_modules(page: str) -> list[str]:
    """The optional modules of a page: static/js/<page>_*.js, in name order."""
    return sorted(path.name for path in (STATIC_DIR / "js").glob(f"{page}_*.js"))


@router.get("/web/config", response_model=WebConfig, summary="What the pages need to know about this deployment")
def read_web_config(settings: SettingsDep) -> WebConfig:
    """The chain the wallet must be on, and how to add it to a wallet."""
    return WebConfig(chain_id=settings.chain_id, chain_name=chain_name(settings.chain_id),
                     add_chain=add_chain_params(settings.chain_id, settings.rpc_url),
                     extensions={page: extension_modules(page) for page in ("holder", "desk", "console")})


class RevalidatedStaticFiles(StaticFiles):
    """Static files that browsers revalidate (ETag) before each use: no stale script after an update."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def include(app: FastAPI) -> None:
    absent = missing([name for page in PAGES for name in page.vendor], VENDOR_DIR)
    if absent:
        log.warning("web: vendored browser libraries missing (%s): run `make setup` or tools/build_web.py",
                    ", ".join(absent))
    app.include_router(router)
    app.mount("/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="static")
