"""RFC 9457 problem+json for every error the API returns."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

import structlog

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("oms.api")


class ApiProblem(Exception):
    """An error with an HTTP status, a stable code and the fix."""

    def __init__(self, status: int, code: str, detail: str,
                 errors: list[dict] | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers


def field_error(field: str, message: str, fix: str) -> dict:
    return {"field": field, "message": message, "fix": fix}


def problem_response(request: Request, status: int, code: str, title: str,
                     detail: str, errors: list[dict] | None = None,
                     headers: dict | None = None) -> JSONResponse:
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "errors": errors or [],
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON,
                        headers=headers)


_TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not found", 405: "Method not allowed", 409: "Conflict",
    422: "Invalid request", 503: "Service unavailable",
}

_FIXES = {
    "missing": "add the field",
    "greater_than": "send a larger value",
    "less_than_equal": "send a smaller value",
    "string_pattern_mismatch": "match the pattern shown in the message",
    "string_too_short": "send a non-empty value",
    "too_short": "send at least one item",
    "int_parsing": "send a whole number",
    "int_from_float": "send a whole number",
    "timezone_aware": "add a UTC offset, e.g. 2024-01-31T09:00:00+00:00",
    "enum": "use one of the listed values",
    "json_invalid": "send valid JSON",
}


def _field_name(location: tuple) -> str:
    """Name a field as a client writes it: `lines[1].quantity`,
    `query.status`, or a header's own name."""
    if location and location[0] == "header":
        return str(location[-1])
    parts = [str(part) for part in location if part not in ("body",)]
    name = ""
    for part in parts:
        if part.isdigit():
            name += f"[{part}]"
        elif name:
            name += f".{part}"
        else:
            name = part
    return name or "body"


async def _validation_problem(request: Request, exc: RequestValidationError):
    if any(error["type"] == "json_invalid" for error in exc.errors()):
        return problem_response(
            request, 400, "malformed_json", "Bad request",
            "the request body is not valid JSON",
            [field_error("body", "JSON decode error", "send valid JSON")])
    errors = [
        field_error(
            _field_name(tuple(error["loc"])),
            error["msg"],
            _FIXES.get(error["type"], "correct the value"),
        )
        for error in exc.errors()
    ]
    fields = ", ".join(error["field"] for error in errors)
    return problem_response(request, 422, "validation_failed", "Invalid request",
                            f"invalid fields: {fields}", errors)


async def _api_problem(request: Request, exc: ApiProblem):
    return problem_response(request, exc.status, exc.code,
                            _TITLES.get(exc.status, "Error"), exc.detail,
                            exc.errors, exc.headers)


async def _http_problem(request: Request, exc: StarletteHTTPException):
    return problem_response(request, exc.status_code, "http_error",
                            _TITLES.get(exc.status_code, "Error"), str(exc.detail),
                            headers=getattr(exc, "headers", None))


async def _unexpected_problem(request: Request, exc: Exception):
    log.exception("request_failed", path=request.url.path)
    return problem_response(request, 500, "internal_error", "Internal error",
                            "the server failed to handle the request; it was logged")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
