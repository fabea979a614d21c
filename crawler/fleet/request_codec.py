"""Queued requests on the wire as JSON, not pickle (scrapy-redis's `SCHEDULER_SERIALIZER`).

scrapy-redis pickles `Request.to_dict()` by default, so anyone who can write to the queue
can run code in every worker. This module is a drop-in serializer (`dumps`, `loads`) that
writes tagged JSON instead: bytes as `{"$bytes": base64}`, tuples as `{"$tuple": [...]}`,
and dicts whose keys are not all strings (headers) as `{"$dict": [[key, value], ...]}`.
`loads` rejects anything else (`BadRequestData`), including request classes outside
`scrapy.http`, so a crafted entry can only be a bad request, never code.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

TAGS = ("$bytes", "$tuple", "$dict")
REQUEST_CLASSES = ("scrapy.http.",)  # `_class` of a Request subclass must be one of these


class BadRequestData(ValueError):
    """Queue bytes that are not a request this serializer wrote."""


def _pack(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {"$tuple": [_pack(v) for v in value]}
    if isinstance(value, list):
        return [_pack(v) for v in value]
    if isinstance(value, dict):
        plain = all(isinstance(k, str) for k in value)
        if plain and not (len(value) == 1 and next(iter(value)) in TAGS):
            return {k: _pack(v) for k, v in value.items()}
        return {"$dict": [[_pack(k), _pack(v)] for k, v in value.items()]}
    raise TypeError(
        f"cannot queue a request holding a {type(value).__name__} in its meta or cb_kwargs:"
        " fleet requests carry only JSON values, bytes and tuples"
    )


def _unpack(value: Any) -> Any:
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and (tag := next(iter(value))) in TAGS:
        inner = value[tag]
        if tag == "$bytes":
            if not isinstance(inner, str):
                raise BadRequestData("$bytes needs a base64 string")
            try:
                return base64.b64decode(inner, validate=True)
            except binascii.Error as exc:
                raise BadRequestData(f"bad base64: {exc}") from None
        if not isinstance(inner, list):
            raise BadRequestData(f"{tag} needs a list")
        if tag == "$tuple":
            return tuple(_unpack(v) for v in inner)
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in inner):
            raise BadRequestData("$dict needs [key, value] pairs")
        return {_hashable(_unpack(k)): _unpack(v) for k, v in inner}
    return {k: _unpack(v) for k, v in value.items()}


def _hashable(key: Any) -> Any:
    try:
        hash(key)
    except TypeError:
        raise BadRequestData(f"unhashable dict key {key!r}") from None
    return key


def dumps(obj: dict[str, Any]) -> bytes:
    """The wire form of a `Request.to_dict()`."""
    return json.dumps(_pack(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    """The request dict of `dumps` output; `BadRequestData` says why not."""
    try:
        obj = _unpack(json.loads(data))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadRequestData(f"not JSON: {exc}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("url"), str):
        raise BadRequestData("a queued request is a JSON object with a 'url'")
    cls = obj.get("_class")
    if cls is not None and not (isinstance(cls, str) and cls.startswith(REQUEST_CLASSES)):
        raise BadRequestData(f"request class {cls!r} is not one of scrapy.http's")
    return obj
