"""Every error body is JSON with a code and a message (and field errors for 422); never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("api.error")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "service_unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.status, self.message, self.code, self.errors = status, message, code or CODES.get(status, "error"), errors
        self.headers = headers


def body(code: str, message: str, errors: list[dict[str, str]] | None = None) -> dict[str, object]:
    return {"code": code, "message": message, "errors": errors or []}


def field_name(loc: tuple[object, ...] | list[object]) -> str:
    """`weights.sector`, `tags.0`; the body as a whole is `body` (never a bare position)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "[key]")]
    if not parts or parts[0].isdigit() and loc and loc[0] == "body":
        return str(loc[0]) if loc else "request"
    return ".".join(parts)


def validation_errors(raw: list[Any]) -> list[dict[str, str]]:
    errors = []
    for e in raw:
        if e.get("type") == "json_invalid":  # its loc is ("body", character offset)
            pos = e.get("loc", ("body", 0))[-1]
            where = f" at character {pos + 1}" if isinstance(pos, int) else ""
            detail = (e.get("ctx") or {}).get("error", "")
            errors.append({"field": "body", "message": f"invalid JSON{where}: {detail}".rstrip(": ")})
            continue
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append({"field": field_name(e.get("loc", ())), "message": msg})
    return errors or [{"field": "request", "message": "invalid"}]


def unprocessable(err: ValidationError) -> ApiError:
    """A model validated inside a handler failed: a 422 naming each field, like the request validation's."""
    errors = validation_errors(list(err.errors()))
    return ApiError(422, f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def unreadable(exc: StarletteHTTPException) -> str:
    """What was wrong with a body FastAPI could not parse, in words (it says only "error parsing the body")."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return f"the request body is not valid UTF-8 (byte {cause.start})"
    return str(exc.detail)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(body(exc.code, exc.message, exc.errors), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        first = errors[0]
        return JSONResponse(body("validation_error", f"{first['field']}: {first['message']}", errors), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODES.get(exc.status_code, "error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette names only the first route's methods
            from .openapi import methods_at

            headers["Allow"] = ", ".join(methods_at(request.app, request.url.path)) or headers.get("Allow", "")
        return JSONResponse(body(code, unreadable(exc)), status_code=exc.status_code, headers=headers)

    @app.exception_handler(MemoryError)
    async def _exhausted(request: Request, exc: MemoryError) -> JSONResponse:
        # The engine ran out of memory: /health says so until a probe succeeds again.
        request.app.state.health.failed("engine", exc)
        log.error("MemoryError on %s %s", request.method, request.url.path)
        return JSONResponse(body("service_unavailable", "the engine is out of memory; try again later"), 503)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged without the request body: a prospect's description is confidential.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(body("internal_error", "internal error"), status_code=500)
