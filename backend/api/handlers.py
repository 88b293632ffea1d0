"""The one place refusals become HTTP answers.

Every error answer is JSON {"detail": <English>, "code", "message_en", "message_ja", ...extra}. Domain code
raises `backend.errors.Refusal(code, **values)`; its catalogue entry's kind picks the status here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.errors import Refusal
from backend.messages import entry as kinds
from backend.messages import CATALOGUE, field_label, message, texts
from backend.messages.validation import TYPES

log = logging.getLogger("resident")

STATUS = {
    kinds.BAD_REQUEST: 400, kinds.INVALID: 422, kinds.UNAUTHORIZED: 401, kinds.FORBIDDEN: 403,
    kinds.NOT_FOUND: 404, kinds.NOT_ALLOWED: 405, kinds.CONFLICT: 409, kinds.GONE: 410, kinds.TOO_LARGE: 413,
    kinds.UNSUPPORTED: 415, kinds.TOO_MANY: 429, kinds.FAILED: 500, kinds.UNAVAILABLE: 503,
}
# Errors the framework raises by status (unknown path, wrong method, ...), by catalogue code.
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "body_too_large", 415: "unsupported_media_type", 429: "too_many_requests"}
MAX_EXPLAINED = 5  # validation errors spelled out in the message; all of them are in `errors`


def status_of(refusal: Refusal) -> int:
    return STATUS[refusal.kind]


def error_body(status: int, code: str, message_en: str, message_ja: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": message_en, "code": code, "message_en": message_en, "message_ja": message_ja,
                         **extra}, status_code=status)


def refusal_body(refusal: Refusal) -> JSONResponse:
    response = error_body(status_of(refusal), refusal.code, refusal.message_en, refusal.message_ja, **refusal.extra)
    if "retry_after" in refusal.extra:  # seconds, in the body for the pages and in the header for HTTP clients
        response.headers["Retry-After"] = str(refusal.extra["retry_after"])
    return response


class BodyLimit:
    """Refuses request bodies over `limit` bytes with 413, by Content-Length or while streaming. `paths` gives
    a route its own (limit, refusal): a photo upload is larger than any JSON body, and says its own limit."""

    def __init__(self, app, limit: int, paths: dict[str, tuple[int, Callable[[], Refusal]]] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.paths = paths or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, refusal = self.paths.get(scope.get("path", ""), (self.limit, self._refusal))
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await self._refuse(refusal(), scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises HTTPExceptions from body reading; the handler formats it.
                    raise StarletteHTTPException(413, refusal().message_en)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except StarletteHTTPException as exc:
            if exc.status_code != 413:
                raise
            await self._refuse(refusal(), scope, receive, send)

    def _refusal(self) -> Refusal:
        return Refusal("body_too_large", detail="body_limit", limit=self.limit)

    async def _refuse(self, refusal: Refusal, scope, receive, send):
        response = refusal_body(refusal)
        await response(scope, receive, send)


def _where(loc) -> str:
    """The field an error is about: the last name in its location (list positions are skipped)."""
    names = [str(p) for p in loc if isinstance(p, str) and p not in ("body", "query", "path", "header", "cookie")]
    return names[-1] if names else "body"


def _own_type(kind) -> str:
    """A validator's own error type (PydanticCustomError) is a catalogue code of kind "detail"."""
    entry = CATALOGUE.get(kind) if isinstance(kind, str) else None
    return kind if entry is not None and entry.kind == kinds.DETAIL else "field_value"


def explain(errors: list[dict]) -> tuple[str, str]:
    """(English, Japanese) of `invalid_request` naming each failed field the way the pages do."""
    parts_ja, parts_en = [], []
    for error in errors[:MAX_EXPLAINED]:
        label = field_label(_where(error.get("loc", ())))
        code = TYPES.get(error.get("type")) or _own_type(error.get("type"))
        ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, (str, int, float))}
        values = {"min_length": "", "max_length": "", "gt": "", "ge": "", "lt": "", "le": "", "expected": "", **ctx,
                  "reason": str(error.get("msg", "")).removeprefix("Value error, ")}
        parts_ja.append(message(code).ja.format(**values, field=label.ja))
        parts_en.append(message(code).en.format(**values, field=label.en))
    said = texts("invalid_request", problems="; ".join(parts_en) or "invalid request")
    ja = texts("invalid_request", problems="".join(parts_ja)).ja
    return said.en, ja


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def _refused(_request: Request, exc: Refusal):
        return refusal_body(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException):
        code = HTTP_CODES.get(exc.status_code, "http_error")
        said = texts(code)
        en = said.en
        if isinstance(exc.detail, str) and exc.detail and exc.detail not in ("Not Found", "Method Not Allowed"):
            en = exc.detail
        response = error_body(exc.status_code, code, en, said.ja)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        en, ja = explain(list(exc.errors()))
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return error_body(422, "invalid_request", en, ja, errors=errors)

    # An id or number beyond the database's integer range (SQLite: OverflowError while binding;
    # PostgreSQL: "integer out of range", a DataError) is bad input, not a server fault.
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_request: Request, exc: Exception):
        return refusal_body(Refusal("value_out_of_range"))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.exception("unhandled error", exc_info=exc)
        return refusal_body(Refusal("internal_error"))

