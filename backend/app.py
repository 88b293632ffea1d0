"""The app factory: `create_app(settings)` builds the services (backend/services.py) and the FastAPI app
with its routers (backend/api/__init__.py); its lifespan migrates the database and runs the chain
indexer, the periodic jobs and the workers in background threads.

    uvicorn backend.app:create_app --factory      (settings from RESIDENT_* / .env)

Every error answer is JSON {"detail": <English>, "code": <stable code>, "message_en", "message_ja"}.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.api import include_routers
from backend.api.venue import RedeemFastPath
from backend.db import migrate
from backend.errors import ApiError
from backend.services import build_services
from backend.settings import Settings
from backend.web import pages
from backend.workers.jobs import JobThread

log = logging.getLogger("resident")

# Messages for HTTP errors raised by the framework itself (unknown path, wrong method, ...).
HTTP_MESSAGES = {
    400: ("bad_request", "The request is not valid.", "リクエストが正しくありません。"),
    401: ("unauthorized", "Sign-in is required.", "サインインが必要です。"),
    403: ("forbidden", "You may not do this.", "この操作は許可されていません。"),
    404: ("not_found", "Not found.", "見つかりません。"),
    405: ("method_not_allowed", "This method is not allowed here.", "このメソッドは使用できません。"),
    409: ("conflict", "This conflicts with the current state.", "現在の状態と矛盾します。"),
    413: ("body_too_large", "The request body is too large.", "リクエストの本文が大きすぎます。"),
    415: ("unsupported_media_type", "Unsupported content type.", "対応していないコンテンツタイプです。"),
    429: ("too_many_requests", "Too many requests; try again later.", "リクエストが多すぎます。しばらくしてから再試行してください。"),
}


def error_body(status: int, code: str, message_en: str, message_ja: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": message_en, "code": code, "message_en": message_en, "message_ja": message_ja,
                         **extra}, status_code=status)


class BodyLimit:
    """Refuses request bodies over `limit` bytes with 413, by Content-Length or while streaming."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # FastAPI re-raises HTTPExceptions from body reading; the handler formats it.
                    raise StarletteHTTPException(413, self._message_en())
            return message

        try:
            await self.app(scope, limited_receive, send)
        except StarletteHTTPException as exc:
            if exc.status_code != 413:
                raise
            await self._refuse(scope, receive, send)

    def _message_en(self) -> str:
        return f"{HTTP_MESSAGES[413][1]} The limit is {self.limit} bytes."

    async def _refuse(self, scope, receive, send):
        code, _en, ja = HTTP_MESSAGES[413]
        response = error_body(413, code, self._message_en(), f"{ja} 上限は {self.limit} バイトです。")
        await response(scope, receive, send)


def _validation_message(exc: RequestValidationError) -> tuple[str, str]:
    parts_en = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        if error.get("type") == "json_invalid":
            parts_en.append("the body is not valid JSON")
        else:
            parts_en.append(f"{where}: {error.get('msg')}")
    detail = "; ".join(parts_en) or "invalid request"
    return f"The request is not valid: {detail}.", f"リクエストが正しくありません: {detail}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return error_body(exc.status, exc.code, exc.message_en, exc.message_ja, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException):
        code, en, ja = HTTP_MESSAGES.get(exc.status_code, ("http_error", "Request failed.", "リクエストは失敗しました。"))
        if isinstance(exc.detail, str) and exc.detail and exc.detail not in ("Not Found", "Method Not Allowed"):
            en = exc.detail
        response = error_body(exc.status_code, code, en, ja)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        en, ja = _validation_message(exc)
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return error_body(422, "invalid_request", en, ja, errors=errors)

    # An id or number beyond the database's integer range (SQLite: OverflowError while binding;
    # PostgreSQL: "integer out of range", a DataError) is bad input, not a server fault.
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_request: Request, exc: Exception):
        return error_body(422, "value_out_of_range", "A number in the request is out of range (ids and counts are "
                          "at most 2^63 - 1).", "リクエストの数値が範囲外です（ID や数量は 2^63 - 1 以下）。")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.exception("unhandled error", exc_info=exc)
        return error_body(500, "internal_error", "Internal error; it has been logged.",
                          "内部エラーが発生しました。記録されています。")


def create_app(settings: Settings | None = None) -> FastAPI:
    """settings → services → routers → lifespan: the one place the backend is wired."""
    settings = settings or Settings()
    services = build_services(settings)
    job_thread = JobThread(services.jobs, settings.jobs_interval)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.auto_migrate:
            migrate(settings.database_url)
        indexer = services.indexer
        if settings.indexer_enabled:
            indexer.start()
        if settings.jobs_enabled:
            job_thread.start()
        for worker in services.workers:  # background workers (airdrop jobs)
            worker.start()
        try:
            yield
        finally:
            for worker in services.workers:
                worker.stop()
            job_thread.stop()
            indexer.stop()
            services.close()

    app = FastAPI(title="resident", version="0.1.0", lifespan=lifespan,
                  description="Digital resident cards: chain index, holder sign-in, perks, venue verification.")
    app.state.services = services  # read by backend/api/deps.py, and by tests
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    # The desk's scan is the hot path: answered ahead of routing (POST /venue/redeem documents it).
    app.add_middleware(RedeemFastPath, services=services)
    include_routers(app, settings)
    pages.include(app)  # the web app: /, /desk, /console, /static, /web/config
    return app
