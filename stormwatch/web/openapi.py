"""Keeping the API's answers and its OpenAPI document the same (checked by tests/web/test_openapi_fuzz.py).

Two things FastAPI and Starlette do not do on their own:

* Every route with parameters or a body can answer 422, but FastAPI documents that 422 as its
  validation-error shape only, while the routes also answer 422 with a sentence (or, for pushed
  mentions, every record's problem). The document's 422s are rewritten to :class:`Unprocessable`,
  which allows all three; a route with a body can also answer 400 (a body that is not JSON text).
* A path served by several routes (GET and POST ``/api/mentions`` are two routes) answers an
  unknown method with the ``Allow`` header of the first route only; :func:`method_not_allowed`
  lists every method the document gives the path (pages, left out of it, keep Starlette's).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from stormwatch.web import schemas

UNPROCESSABLE_REF = "#/components/schemas/Unprocessable"
MESSAGE_REF = "#/components/schemas/Message"


def describe_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``document`` in place so each operation's 400 and 422 answers name their real bodies."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (schemas.Unprocessable, schemas.FieldIssue, schemas.NotStored, schemas.Problem):
        components.setdefault(model.__name__, _schema_of(model))
    components.setdefault("Message", _schema_of(schemas.Message))
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = _json_answer("The request cannot be processed", UNPROCESSABLE_REF)
            if "requestBody" in operation:
                responses.setdefault("400", _json_answer("The body is not readable JSON text", MESSAGE_REF))
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return document


def _json_answer(description: str, ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def _schema_of(model: type[Any]) -> dict[str, Any]:
    # Nested models are listed as components of their own, so refer to them there.
    schema: dict[str, Any] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


def document_errors(app: FastAPI) -> None:
    """Serve ``app``'s OpenAPI document with :func:`describe_errors` applied (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_errors(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def allowed_methods(document: dict[str, Any], path: str) -> list[str]:
    """The methods ``document`` lists for the path template that ``path`` fills in."""
    wanted = path.rstrip("/").split("/")
    for template, item in document.get("paths", {}).items():
        parts = template.rstrip("/").split("/")
        if len(parts) == len(wanted) and all(
            part == got or (part.startswith("{") and part.endswith("}") and got)
            for part, got in zip(parts, wanted, strict=True)
        ):
            return sorted(method.upper() for method in item if method in HTTP_METHODS)
    return []


async def method_not_allowed(request: Request, error: StarletteHTTPException) -> Response:
    """Starlette's HTTP errors as JSON, with a 405's ``Allow`` naming every method of the path."""
    headers = dict(error.headers or {})
    if error.status_code == 405:
        methods = allowed_methods(request.app.openapi(), request.url.path)
        if methods:
            headers["Allow"] = ", ".join(methods)
    if error.status_code in (204, 304):
        return Response(status_code=error.status_code, headers=headers)
    return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers)
