"""Every error body is JSON with a code and a message (and field errors for 422); never a stack trace."""

from __future__ import annotations

import logging

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
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, errors: list[dict[str, str]] | None = None):
        self.status, self.message, self.code, self.errors = status, message, code or CODES.get(status, "error"), errors


def body(code: str, message: str, errors: list[dict[str, str]] | None = None) -> dict[str, object]:
    return {"code": code, "message": message, "errors": errors or []}


def field_name(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "[key]")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def unprocessable(err: ValidationError) -> ApiError:
    """A model validated inside a handler failed: a 422 naming each field, like the request validation's."""
    errors = [
        {"field": field_name(e["loc"]), "message": str(e["msg"]).removeprefix("Value error, ")} for e in err.errors()
    ]
    return ApiError(422, f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(body(exc.code, exc.message, exc.errors), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            errors.append({"field": field_name(e.get("loc", ())), "message": msg})
        first = errors[0] if errors else {"field": "request", "message": "invalid"}
        return JSONResponse(body("validation_error", f"{first['field']}: {first['message']}", errors), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODES.get(exc.status_code, "error")
        return JSONResponse(body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged without the request body: a prospect's description is confidential.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(body("internal_error", "internal error"), status_code=500)
