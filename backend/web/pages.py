"""The web app's pages: Jinja2 templates from backend/web/templates/, static files at /static, /web/config.

Every page extends templates/base.html (head, header with the ja/en switch, footer): no inline script or
style (the Content-Security-Policy below forbids them); it loads /static/css/app.css and one ES module
from /static/js/. To add a page, add a template and a `Page` to PAGES.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field
from starlette.staticfiles import StaticFiles

from backend.api.deps import SettingsDep
from backend.web.chains import add_chain_params, chain_name
from backend.web.vendor import KECCAK_MODULES, VENDOR_DIR, missing
from backend.web.webfont import CSS_NAME as FONT_CSS, FONT_DIR

log = logging.getLogger("resident.web")

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
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
    template: str  # its template in backend/web/templates/
    vendor: tuple[str, ...] = field(default=())  # files it needs in static/vendor/ (tools/build_web.py)
    # vendored ES modules its own module imports (the template does not load them; they must be there too)
    modules: tuple[str, ...] = field(default=())


# The holder and claim pages sign with passkeys: passkey.js builds the challenge (erc7739.js, keccak-256).
PAGES = (
    Page("/", "holder.html", modules=KECCAK_MODULES),
    Page("/desk", "desk.html", vendor=("zxing-library.min.js", "zxing-browser.min.js")),
    Page("/console", "console.html", vendor=("chart.umd.min.js",)),
    Page("/activity-qr", "activity_qr.html"),  # an activity's rotating check-in QR, for the organiser's screen
    Page("/console/invite", "staff_invite.html"),  # a staff invitation link (backend/api/staff/accounts.py)
    # Where OpenID Connect providers send people back (Settings.oidc_redirect_uri): the holder page, whose
    # residency section posts the code and state on (holder_residency.js).
    Page("/identity/oidc/callback", "holder.html", modules=KECCAK_MODULES),
    Page("/town/{slug}", "town.html"),  # a municipality's landing page: card art, perks, campaigns, how to join
    # a claim link or a poster's QR: explain, connect a wallet or make a passkey account, claim (claim.js)
    Page("/claim", "claim.html", modules=KECCAK_MODULES),
)

MISSING_VENDOR_TEMPLATE = "setup_incomplete.html"

# Autoescaped: a value from the request (`next`) can never become markup. StrictUndefined: a misspelt
# variable fails the render (and the page tests) instead of leaving a blank.
templates = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)

# Where the holder page may send the browser after sign-in: a path on this site, never another origin.
# Allowed: one "/" then URL characters, nothing a browser would read as a host or strip (whitespace and
# control characters, as in "/%09/evil.example" → "//evil.example"), no backslash (browsers read "\"
# as "/"), and not "//" (protocol-relative).
_SAME_ORIGIN_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*")
MAX_NEXT_CHARS = 16_384  # a forum's sso payload is up to 4096 characters, each at most 3 once encoded

router = APIRouter(tags=["web"])


def same_origin_path(next_url: str | None) -> str | None:
    """`next_url` if it is a path on this site (see _SAME_ORIGIN_PATH), else None: the guard against an
    open redirect through the holder page's `?next=`."""
    if not next_url or len(next_url) > MAX_NEXT_CHARS or not _SAME_ORIGIN_PATH.fullmatch(next_url):
        return None
    return next_url


def render(page: Page, **context) -> str:
    return templates.get_template(page.template).render(page=page, **context)


def _page_route(page: Page):
    def read_page(request: Request) -> HTMLResponse:
        absent = missing(page.vendor + page.modules, VENDOR_DIR)
        if absent:
            log.error("page %s: vendored files missing in %s: %s (run tools/build_web.py)", page.path, VENDOR_DIR,
                      ", ".join(absent))
            setup = Page(page.path, MISSING_VENDOR_TEMPLATE)  # loads no vendored file itself
            return HTMLResponse(render(setup, missing=absent), status_code=503, headers=PAGE_HEADERS)
        # The holder page signs in, then goes on to `next` (the forum's sign-in, for one).
        return HTMLResponse(render(page, next_path=same_origin_path(request.query_params.get("next"))),
                            headers=PAGE_HEADERS)

    name = page.template.removesuffix(".html")
    read_page.__name__ = f"read_page_{name}"
    read_page.__doc__ = f"The web page {page.template}."
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
    explorer: str | None = Field(default=None, description="The chain's block explorer (base URL; a transaction "
                                 "is <explorer>/tx/<hash>), or null when it has none (a local chain)")
    pass_lifetime: int = Field(description="Seconds a venue pass is valid (the length of the holder page's bar)")
    pass_renew_margin: int = Field(description="Seconds before a shown pass expires when the holder page fetches "
                                               "the next one")


def extension_modules(page: str) -> list[str]:
    """The optional modules of a page: static/js/<page>_*.js, in name order."""
    return sorted(path.name for path in (STATIC_DIR / "js").glob(f"{page}_*.js"))


@router.get("/web/config", response_model=WebConfig, summary="What the pages need to know about this deployment")
def read_web_config(settings: SettingsDep) -> WebConfig:
    """The chain the wallet must be on, how to add it to a wallet, the pages' optional modules and the timing
    of venue passes."""
    return WebConfig(chain_id=settings.chain_id, chain_name=chain_name(settings.chain_id),
                     add_chain=add_chain_params(settings.chain_id, settings.rpc_url),
                     explorer=settings.network.explorer,
                     extensions={page: extension_modules(page) for page in ("holder", "desk", "console")},
                     pass_lifetime=settings.pass_lifetime, pass_renew_margin=settings.pass_renew_margin)


IMMUTABLE_CACHE = "public, max-age=31536000, immutable"


class RevalidatedStaticFiles(StaticFiles):
    """Static files that browsers revalidate (ETag) before each use: no stale script after an update. The
    web font's faces are the exception: their names carry their content's hash (backend/web/webfont.py),
    so a phone keeps them for a year instead of asking again on every page."""

    def file_response(self, full_path, *args, **kwargs):
        response = super().file_response(full_path, *args, **kwargs)
        path = Path(full_path)
        immutable = path.suffix == ".woff2" and path.parent == FONT_DIR
        response.headers["Cache-Control"] = IMMUTABLE_CACHE if immutable else "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def include(app: FastAPI) -> None:
    absent = missing(sorted({name for page in PAGES for name in page.vendor + page.modules}), VENDOR_DIR)
    if absent:
        log.warning("web: vendored browser libraries missing (%s): run `make setup` or tools/build_web.py",
                    ", ".join(absent))
    if not (FONT_DIR / FONT_CSS).is_file():
        log.warning("web: the pages' web font is not built (%s): run `make setup` or tools/build_web.py; pages "
                    "fall back to the system's fonts", FONT_DIR / FONT_CSS)
    app.include_router(router)
    app.mount("/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="static")
