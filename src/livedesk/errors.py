"""One error shape for HTTP and WebSocket: {"code", "message", "data"}; never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from livedesk import i18n
from livedesk.jsonutil import JsonResponse


class ApiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.data = data or {}

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        message = self.message
        if language is not None:
            message = i18n.text(self.code, language, self.message, **self.data) or message
        return {"code": self.code, "message": message, "data": self.data}


def field_errors(fields: dict[str, str], language: str, **values: Any) -> dict[str, Any]:
    """`data` for an error about fields: {field: code} with each code's message filled in."""
    return {
        "fields": {
            name: i18n.text(code, language, code, **values) for name, code in fields.items()
        },
        "codes": dict(fields),
    }


class FieldError(Exception):
    """Raised by actions for input that passed the schema but breaks a rule (a slug taken, hours
    that overlap): {field: code}; the handler answers 422 with each field's message."""

    def __init__(self, fields: dict[str, str], **values: Any) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields
        self.values = values


class NotFound(ApiError):
    """Also what a caller gets for a row that exists but belongs to someone else."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "Not found", **kw: Any) -> None:
        super().__init__(message, **kw)


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"


class Conflict(ApiError):
    status_code = 409
    code = "conflict"


class Invalid(ApiError):
    status_code = 422
    code = "invalid"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}


def _language(request: Request) -> str:
    return i18n.request_language(request.headers.get("accept-language"))


def _field_name(loc: tuple[Any, ...]) -> str:
    """("body", "hours", 0, "start") → "hours.0.start": the path the page knows the input by."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JsonResponse:
        return JsonResponse(exc.to_dict(_language(request)), status_code=exc.status_code)

    @app.exception_handler(FieldError)
    async def _field_error(request: Request, exc: FieldError) -> JsonResponse:
        language = _language(request)
        body = {
            "code": "invalid",
            "message": i18n.text("invalid", language),
            "data": field_errors(exc.fields, language, **exc.values),
        }
        return JsonResponse(body, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JsonResponse:
        language = _language(request)
        errors = []
        fields: dict[str, str] = {}
        codes: dict[str, str] = {}
        for e in exc.errors():
            loc = tuple(e.get("loc", ()))
            kind = str(e.get("type", "value_error"))
            errors.append({"loc": [str(p) for p in loc], "msg": e.get("msg", ""), "type": kind})
            name = _field_name(loc)
            if name not in fields:
                ctx = {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, int | str)}
                # A rule of our own (a validator raising ValueError) says its own message.
                own = str(ctx.get("error", "")) if kind == "value_error" else ""
                fields[name] = own or i18n.text(kind, language, e.get("msg", ""), **ctx) or kind
                codes[name] = kind
        body = {
            "code": "invalid",
            "message": i18n.text("invalid", language),
            "data": {"errors": errors, "fields": fields, "codes": codes},
        }
        return JsonResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = i18n.text(code, _language(request), str(exc.detail)) or str(exc.detail)
        body = {"code": code, "message": message, "data": {}}
        return JsonResponse(body, status_code=exc.status_code, headers=exc.headers)
