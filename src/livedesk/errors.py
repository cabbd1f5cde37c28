"""One error shape for HTTP and WebSocket: {"code", "message", "data"}; never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

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

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JsonResponse:
        return JsonResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JsonResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        body = {
            "code": "invalid",
            "message": "The request is not valid",
            "data": {"errors": errors},
        }
        return JsonResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JsonResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        body = {"code": code, "message": str(exc.detail), "data": {}}
        return JsonResponse(body, status_code=exc.status_code, headers=exc.headers)
