"""The OpenAPI document as the service behaves: error statuses, optional keys, vocabularies as enums."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from matcher.engine import Matcher
from matcher.kb.models import COMPANY_TYPES

from .schemas import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
WHY = {
    400: "The body is not valid UTF-8 or cannot be parsed",
    401: "No key, or an unknown or revoked one",
    403: "The key's role is not enough",
    404: "Not found (or another team's)",
    413: "The body is too large",
    422: "Invalid input; each field says why",
    503: "The engine is out of memory or the database is away; /health says which",
}


def error(status: int, description: str | None = None) -> dict[str, Any]:
    return {"description": description or WHY[status], "content": {"application/json": {"schema": ERROR_REF}}}


# For the knowledge-base review routes, which refuse what the document's or proposal's state does not allow.
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: error(409, "The document or proposal is not in a state that allows this; the message says why")
}


def vocabularies(m: Matcher) -> dict[str, list[str]]:
    """Schema names of string fields whose values come from the knowledge base, with the values allowed."""
    tax = m.kb.taxonomy
    cities = sorted({c.id for loc in m.kb.locations.values() if (c := m.kb.city_of(loc.id)) is not None})
    return {
        "needs": sorted(m.index.needs.names),
        "location_ids": list(m.candidates),
        "for": list(m.candidates),
        "sector": sorted(tax.known_sector_ids()),
        "city": cities,
        "location_id": sorted(m.kb.locations),
        "company_type": list(COMPANY_TYPES),
    }


def enum_items(schema: dict[str, Any], values: list[str]) -> None:
    """Put `values` as the enum of a string schema, of a list's items, or of the string branch of an anyOf."""
    if schema.get("type") == "array":
        enum_items(schema.setdefault("items", {}), values)
    elif schema.get("type") == "string":
        schema["enum"] = values
        schema.pop("maxLength", None)
    for branch in schema.get("anyOf", []):
        enum_items(branch, values)


def refine(app: FastAPI, doc: dict[str, Any]) -> None:
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["ErrorBody"] = ErrorBody.model_json_schema()
    schemes = components.get("securitySchemes", {})
    if "OptionalApiKey" in schemes:  # one scheme, X-API-Key; optional where `{}` stands beside it
        schemes.setdefault("ApiKey", schemes["OptionalApiKey"])
        del schemes["OptionalApiKey"]
    matcher: Matcher | None = getattr(app.state, "matcher", None)
    vocab = vocabularies(matcher) if matcher is not None else {}
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            security = [next(iter(req)) for req in op.get("security", []) if req]
            needs, optional = "ApiKey" in security, "OptionalApiKey" in security
            responses = op.setdefault("responses", {})
            codes = {503}
            if "requestBody" in op:
                codes |= {400, 413, 422}
            if needs:
                codes |= {401, 403}
            if optional:  # open: a key may be sent, and is then checked
                codes.add(401)
                op["security"] = [{}, {"ApiKey": []}]
            if any(p.get("in") == "path" for p in op.get("parameters", [])):
                codes.add(404)
            if op.get("parameters"):
                codes.add(422)
            for status in sorted(codes):
                key = str(status)
                if key not in responses or status == 422:
                    responses[key] = error(status, responses.get(key, {}).get("description") if status != 422 else None)
            for p in op.get("parameters", []):
                branches = p["schema"].get("anyOf", [])
                if p["in"] == "header" and {"type": "null"} in branches:  # a header is a string or absent
                    (kept,) = [b for b in branches if b != {"type": "null"}]
                    p["schema"] = {**{k: v for k, v in p["schema"].items() if k != "anyOf"}, **kept}
                if p["name"] in vocab:
                    enum_items(p["schema"], vocab[p["name"]])
    requests = {
        ref.rsplit("/", 1)[-1]
        for ops in doc.get("paths", {}).values()
        for op in ops.values()
        for media in op.get("requestBody", {}).get("content", {}).values()
        if (ref := media.get("schema", {}).get("$ref"))
    }
    for name in requests:
        for field, prop in doc["components"]["schemas"][name].get("properties", {}).items():
            if field in vocab:
                enum_items(prop, vocab[field])


def install(app: FastAPI) -> None:
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            refine(app, plain())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def methods_at(app: FastAPI, path: str) -> list[str]:
    """The documented methods of the operation path that `path` falls under."""
    for template, ops in app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            return sorted(m.upper() for m in ops)
    return []
