"""The snapshots' own encoding of a case's state: exact, closed, and refusing what it does not know.

eventsourcing's ``JSONTranscoder`` would need one registered ``Transcoding`` per type
the state holds (every dataclass of ``domain/case``, dicts keyed by UUID, sets, tuples),
and a type added to the state later without one would fail only when a snapshot is
taken. Here one small recursive encoding covers the state whatever it holds, into
values JSON holds as they are (strings, numbers, lists, dicts with string keys), which
the event store's mapper then compresses and encrypts like an event:

- ``None``, ``bool``, ``int``, ``str``, ``float``: themselves; lists: lists;
- everything else: a dict of one tag (``$uuid``, ``$dt``, ``$date``, ``$tuple``,
  ``$set``, ``$frozenset``, ``$dict`` with its keys and values in turn, so keys keep
  their type, ``$obj`` with a class's topic and the instance's attribute names and
  values in turn).

Types are matched exactly (``type(x) is``), never by ``isinstance``, so a subclass (an
enum that is a str, a bool that is an int) is refused rather than flattened. ``$obj``
is only ever a class under ``service.domain`` with a ``__dict__``: a snapshot can
never make the service build anything else. The whole is one JSON text (``dumps``,
``loads``), compressed (``pack``, ``unpack``), so the store's transcoder sees one
string. Whatever is refused raises
``SnapshotCodecError``: taking the snapshot is skipped, reading it falls back to
the events (``snapshots.py``).
"""

from __future__ import annotations

import base64
import functools
import importlib
import json
import zlib
from datetime import date, datetime, timezone
from typing import Any
from uuid import UUID

FORMAT = 1
"""The version of this encoding, stored in every snapshot; another is never read."""

_DOMAIN = "service.domain."
_PLAIN = (type(None), bool, int, str, float)


class SnapshotCodecError(ValueError):
    """Raised when a state holds what this encoding does not know, or a snapshot is not
    one it wrote."""


def encode(value: Any) -> Any:
    """``value`` as JSON's own values; SnapshotCodecError for a type not known here.

    Every JSON object it makes is a tag and its body (``loads`` relies on that)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [encode(item) for item in value]
    if kind is UUID:
        return {"$uuid": str(value)}
    if kind is datetime and type(value.tzinfo) is timezone:  # a fixed offset: restored as it was
        return {"$dt": value.isoformat()}
    if kind is date:
        return {"$date": value.isoformat()}
    if kind is tuple:
        return {"$tuple": [encode(item) for item in value]}
    if kind is set or kind is frozenset:
        return {"$" + kind.__name__: [encode(item) for item in value]}
    if kind is dict:
        return {"$dict": [encode(item) for pair in value.items() for item in pair]}
    if kind.__module__.startswith(_DOMAIN) and hasattr(value, "__dict__"):
        attributes = [encode(item) for pair in vars(value).items() for item in pair]
        return {"$obj": [f"{kind.__module__}:{kind.__qualname__}", *attributes]}
    raise SnapshotCodecError(f"a snapshot cannot hold a {kind.__module__}.{kind.__qualname__}")


def dumps(state: Any) -> str:
    """``state`` in this encoding, as JSON text."""
    return json.dumps(encode(state), separators=(",", ":"))


def pack(state: Any) -> str:
    """``dumps``, compressed (a long case's state repeats its field names and authorities
    hundreds of times), as base64 text: a tenth of the bytes to store, fetch and decrypt."""
    return base64.b64encode(zlib.compress(dumps(state).encode(), 1)).decode("ascii")


def unpack(text: Any) -> Any:
    """The state ``pack`` wrote; SnapshotCodecError for anything else."""
    if type(text) is not str:
        raise SnapshotCodecError("a snapshot's state is not text")
    try:
        raw = zlib.decompress(base64.b64decode(text, validate=True)).decode()
    except (ValueError, zlib.error) as error:
        raise SnapshotCodecError(f"not a packed snapshot: {error}") from error
    return loads(raw)


def loads(text: Any) -> Any:
    """The state ``dumps`` wrote; SnapshotCodecError for anything it never writes.

    Decoded by the C parser, which hands every JSON object, innermost first, to
    ``_decode_tagged``: no Python recursion over the lists and strings.
    """
    if type(text) is not str:
        raise SnapshotCodecError("a snapshot's state is not text")
    try:
        return json.loads(text, object_hook=_decode_tagged)
    except SnapshotCodecError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, ImportError) as error:
        raise SnapshotCodecError(f"not a snapshot value: {error}") from error


def _decode_tagged(data: dict[str, Any]) -> Any:
    if len(data) != 1:
        raise SnapshotCodecError("not a snapshot value: an untagged object")
    ((tag, body),) = data.items()
    return _DECODERS[tag](body)


def _list(body: Any) -> list[Any]:
    if type(body) is not list:
        raise SnapshotCodecError("a collection's items are not a list")
    return body


def _str(body: Any) -> str:
    if type(body) is not str:
        raise SnapshotCodecError("a value's text is not a string")
    return body


def _datetime(body: Any) -> datetime:
    value = datetime.fromisoformat(_str(body))
    if value.tzinfo is None:
        raise SnapshotCodecError("a recorded instant without its offset")
    return value


def _pairs(body: Any) -> zip[tuple[Any, Any]]:
    if type(body) is not list or len(body) % 2:
        raise SnapshotCodecError("a mapping's items are not in pairs")
    return zip(body[::2], body[1::2], strict=True)


@functools.cache
def _domain_class(topic: str) -> type:
    module_name, _, qualname = topic.partition(":")
    if not module_name.startswith(_DOMAIN):
        raise SnapshotCodecError(f"a snapshot may not build {module_name!r}")
    cls: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    if not isinstance(cls, type):
        raise SnapshotCodecError(f"{module_name}.{qualname} is not a class")
    return cls


def _obj(body: Any) -> Any:
    cls = _domain_class(_str(_list(body)[0]))
    attributes = dict(_pairs(body[1:]))
    if {type(name) for name in attributes} - {str}:
        raise SnapshotCodecError("an object's attributes are not named")
    instance: Any = object.__new__(cls)
    # Through __dict__, as frozen dataclasses are restored as they were.
    vars(instance).update(attributes)
    return instance


_DECODERS: dict[str, Any] = {
    "$uuid": lambda body: UUID(_str(body)),
    "$dt": _datetime,
    "$date": lambda body: date.fromisoformat(_str(body)),
    "$tuple": lambda body: tuple(_list(body)),
    "$set": lambda body: set(_list(body)),
    "$frozenset": lambda body: frozenset(_list(body)),
    "$dict": lambda body: dict(_pairs(body)),
    "$obj": _obj,
}
