"""OpenAPI description of the backend API, generated from its msgspec Structs, and the /docs page.

`GET /openapi.json` is OpenAPI 3.1 (JSON Schema 2020-12, as msgspec writes it). The bundled Swagger UI
(swagger-ui-bundle, 4.x) reads only OpenAPI 3.0, so the /docs page loads `/openapi.json?compat=3.0`, the
same description with the few 3.1-only constructs rewritten. The page's assets are served locally from
/docs/static (no CDN).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from .. import __version__ as _version
from . import backend as b
from . import backend_schema as schema

REF = "#/components/schemas/{name}"

_INTRO = """\
mesibo-compatible backend API. Every request is a `POST /backend` with a JSON object naming the
operation in `op` and carrying the secret app token in `token` (never give it to a browser). An optional
`id` (number or string) is echoed in the answer.

Answers: `{"op":..., "result": true, ...}` or `{"op":..., "result": false, "error": CODE, "reason": text}`.
HTTP status is 200 for every answer of an op, failures included (as mesibo does, so a bad app token is
`result: false` with `error: AUTHFAIL`, HTTP 200). A body that is not a JSON object is HTTP 400, one over
`max_backend_body` bytes is 413, a server fault is 500 with `error: INTERNAL`; all of them JSON.

Error codes: AUTHFAIL (bad app token), BADOP (unknown op), BADREQUEST (a missing field or a wrong type:
`field` names it), BADADDRESS, NOUSER, NOGROUP, NOTOKEN, TOOBIG, BADJSON, INTERNAL, and for `message`
the failing message status by name (INVALIDDEST, USEROFFLINE, NOTMEMBER, BLOCKED).
"""


def _op_table() -> str:
    rows = ["| op | what it does |", "|---|---|"]
    for name, spec in b.OPS.items():
        doc = " ".join((spec.request.__doc__ or "").split())
        rows.append(f"| `{name}` | {doc} |")
    return "\n".join(rows)


@functools.lru_cache(maxsize=1)
def build_spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document for POST /backend."""
    requests = list(schema.REQUESTS)
    responses = [spec.response for spec in b.OPS.values()]
    responses = list(dict.fromkeys(responses))
    _refs, components = msgspec.json.schema_components(requests + responses + [schema.ErrorResponse], ref_template=REF)

    def ref(t: type) -> dict[str, str]:
        return {"$ref": REF.format(name=t.__name__)}

    request_schema = {
        "oneOf": [ref(t) for t in requests],
        "discriminator": {"propertyName": "op",
                          "mapping": {name: REF.format(name=spec.request.__name__) for name, spec in b.OPS.items()}},
    }
    ok = {"oneOf": [ref(t) for t in responses] + [ref(schema.ErrorResponse)]}
    error = {"content": {"application/json": {"schema": ref(schema.ErrorResponse)}}}
    examples = {
        "useradd": {"value": {"op": "useradd", "token": "APP_TOKEN", "id": 1,
                              "user": {"address": "alice", "name": "Alice",
                                       "token": {"appid": "com.example.web", "expiry": 525600}}}},
        "groupadd": {"value": {"op": "groupadd", "token": "APP_TOKEN",
                               "group": {"name": "team", "flag": 0, "members": "alice,bob"}}},
        "groupeditmembers": {"value": {"op": "groupeditmembers", "token": "APP_TOKEN", "gid": 1, "m": "carol",
                                       "delete": 0, "cansend": 1, "canreceive": 1, "admin": 0}},
        "message": {"value": {"op": "message", "token": "APP_TOKEN",
                              "message": {"from": "alice", "to": "bob,carol", "message": "hello", "expiry": 3600}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hubbub backend API", "version": _version,
                 "description": _INTRO},
        "paths": {"/backend": {"post": {
            "operationId": "backend",
            "summary": "Run one backend op (useradd, userset, userdel, usersget, usertoken, groupadd, groupset, "
                       "groupdel, groupeditmembers, groupgetmembers, groupsget, message)",
            "description": _op_table(),
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": request_schema, "examples": examples}}},
            "responses": {
                "200": {"description": "The op's answer: `result` true with the op's fields, or false with "
                                       "`error` and `reason`",
                        "content": {"application/json": {"schema": ok}}},
                "400": {"description": "The body is not JSON or not a JSON object", **error},
                "413": {"description": "The body is over max_backend_body bytes", **error},
                "500": {"description": "A server fault (error INTERNAL)", **error},
            },
        }}},
        "components": {"schemas": components},
    }


def _to_30(node: Any) -> Any:
    """Rewrite JSON Schema 2020-12 constructs that OpenAPI 3.0 lacks (null types, numeric exclusive bounds)."""
    if isinstance(node, list):
        return [_to_30(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key in ("anyOf", "oneOf"):
        alts = out.get(key)
        if isinstance(alts, list) and {"type": "null"} in alts:
            rest = [a for a in alts if a != {"type": "null"}]
            del out[key]
            if len(rest) == 1 and "$ref" not in rest[0]:
                out.update(rest[0])
            else:
                out[key] = rest
            out["nullable"] = True
    out = {k: _to_30(v) for k, v in out.items()}
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        value = out.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    return out


@functools.lru_cache(maxsize=1)
def build_spec_30() -> dict[str, Any]:
    spec = _to_30(copy.deepcopy(build_spec()))
    spec["openapi"] = "3.0.3"
    return spec


_encoder = msgspec.json.Encoder()


async def spec(request: Request) -> Response:
    doc = build_spec_30() if request.query_params.get("compat") == "3.0" else build_spec()
    return Response(_encoder.encode(doc), media_type="application/json")


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hubbub backend API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png">
<style>body { margin: 0; } .swagger-ui .topbar { display: none; }</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/openapi.json?compat=3.0",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
</script>
</body>
</html>
"""


async def docs_page(request: Request) -> Response:
    return Response(DOCS_PAGE, media_type="text/html")


def static_files() -> StaticFiles:
    import swagger_ui_bundle
    return StaticFiles(directory=str(swagger_ui_bundle.swagger_ui_path))
