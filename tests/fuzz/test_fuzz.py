"""Fuzz tests (Hypothesis): the frame decoder and `/backend` answer anything with a clear error.

No input makes the decoder raise anything but `ProtocolError`, and no body makes `/backend` answer
5xx, a non-JSON body, or hang. `/backend` is driven by its own `/openapi.json` (`from_schema` turns the
request schemas into bodies that pass validation and so reach the handlers), by loose JSON and by raw
bytes. Bounded for CI: a few hundred examples each, a few seconds.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.protocol import frames
from hubbub.protocol.errors import ProtocolError
from hubbub.server.backend import OPS
from hubbub.server.openapi import build_spec

FRAME_CODES = {"BADFRAME", "BADREQUEST", "UNKNOWN"}

scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


def _nested(depth: int) -> str:
    return '{"t":"ping","r":1,"x":' + "[" * depth + "]" * depth + "}"


@st.composite
def frame_like(draw: st.DrawFn) -> dict[str, Any]:
    """A frame of a known type whose fields hold anything: the decoder's validation is what is fuzzed."""
    t = draw(st.sampled_from(sorted(frames.FRAME_TYPES)))
    names = list(frames.FRAME_TYPES[t].__struct_fields__) + ["r", "extra"]
    fields = draw(st.dictionaries(st.sampled_from(names), json_values, max_size=len(names)))
    return {"t": t, **fields}


frame_inputs = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    frame_like().map(json.dumps),
    json_values.map(json.dumps),
    st.integers(min_value=1, max_value=20_000).map(_nested),
)


@settings(max_examples=200, deadline=None)
@given(frame_inputs)
def test_fuzz_frame_decoder_answers_a_frame_or_a_protocol_error(data: str | bytes) -> None:
    try:
        frame = frames.decode(data)
    except ProtocolError as exc:
        assert exc.code in FRAME_CODES and exc.reason
    else:
        assert isinstance(frame, frames.Frame)


ADDRESSES = ["alice", "bob", "carol"]


def from_schema(schema: dict[str, Any], components: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid against the JSON Schema subset msgspec writes (hypothesis-jsonschema does not work
    with current Hypothesis). Strings lean to a few real addresses and numbers to small ones, so that
    many bodies name users and groups that exist."""
    if "$ref" in schema:
        return st.deferred(lambda: from_schema(components[schema["$ref"].rsplit("/", 1)[1]], components))
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, components) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object":
        props = {k: from_schema(v, components) for k, v in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries({k: v for k, v in props.items() if k in required},
                                     optional={k: v for k, v in props.items() if k not in required})
    if kind == "array":
        return st.lists(from_schema(schema["items"], components), max_size=min(schema.get("maxItems", 5), 5))
    if kind == "string":
        lo, hi = schema.get("minLength", 0), min(schema.get("maxLength", 40), 40)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda v: lo <= len(v) <= hi)
        return st.sampled_from(ADDRESSES + ["alice,bob"]).filter(lambda v: lo <= len(v)) | st.text(min_size=lo,
                                                                                                 max_size=hi)
    if kind == "integer":
        lo = schema.get("minimum", -2**63)
        hi = schema.get("maximum", schema.get("exclusiveMaximum", 2**63) - 1)
        return st.integers(lo, min(hi, lo + 3) if lo > -2**63 else 3) | st.integers(lo, hi)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return json_values


def _request_schema() -> tuple[dict[str, Any], dict[str, Any]]:
    """The `/backend` request body schema, with the components its `$ref`s point into."""
    doc = build_spec()
    body = doc["paths"]["/backend"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return body, doc["components"]["schemas"]


@st.composite
def backend_bodies(draw: st.DrawFn, app_token: str) -> bytes:
    kind = draw(st.sampled_from(["schema", "loose", "raw", "nested"]))
    if kind == "raw":
        return draw(st.binary(max_size=300))
    if kind == "nested":
        depth = draw(st.integers(min_value=1, max_value=20_000))
        return ('{"op":"usersget","token":"' + app_token + '","id":' + "[" * depth + "]" * depth + "}").encode()
    if kind == "schema":
        body = draw(_VALID_BODIES)
    else:
        body = draw(st.dictionaries(st.sampled_from(["user", "group", "message", "gid", "id", "m", "count",
                                                     "offset", "address", "delete"]), json_values, max_size=5))
        body["op"] = draw(st.sampled_from(sorted(OPS)) | st.text(max_size=10))
    if draw(st.booleans()):
        body["token"] = app_token  # past the token check, into the handlers
    return json.dumps(body).encode()


_VALID_BODIES = from_schema(*_request_schema())


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One client for every example (making one loads the CA bundle, a quarter second each)."""
    with httpx.Client(timeout=30) as client:
        yield client


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_backend_never_answers_5xx(server: Any, http: httpx.Client, data: st.DataObject) -> None:
    body = data.draw(backend_bodies(server.app_token))
    r = http.post(server.url + "/backend", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (200, 400, 413), (r.status_code, r.text, body[:300])
    answer = r.json()
    assert isinstance(answer, dict) and ("error" in answer or answer.get("result") is True), answer
