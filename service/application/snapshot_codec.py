"""The snapshots' own encoding of a case's state: exact, fast to read, and building
nothing but the domain's own values.

A cold read of a long case decodes its snapshot before answering, so the decoding is
the cold read's cost: a case of a thousand events holds about 3,800 objects (111
transfers with their information shares and date proposals, 111 assessments, 112
periods, 1,001 instants). The first encoding, tagged JSON decoded by a Python hook per
object, took 5-6 ms for it; Python's own pickle (protocol 5), read by the C unpickler
with the garbage collector paused (``_load``), takes about 1.2 ms, and keeps every
value exactly as it was: its type (a tuple stays a tuple, a subclass its subclass),
dict order, shared references.

Pickle can name any importable callable, so reading one is limited here
(``_DomainOnly.find_class``) to the values a case holds: ``date``, ``datetime``,
``timedelta``, ``timezone`` and ``UUID``, and classes defined in an already imported
module under ``service.domain``, named plainly (no dotted path into their attributes).
Anything else refuses the whole snapshot. Snapshots are also only ever kept encrypted
with AES-GCM, which authenticates them (``app.py``): a snapshot the service did not
write does not decrypt. ``pack`` reads back what it wrote before it is stored, so a
state holding anything else is refused when it is taken, not at every read.

The whole is compressed (a long case's state repeats its authorities and names
hundreds of times) and given as base64 text, so the store's transcoder sees one string.
Whatever is refused raises ``SnapshotCodecError``: taking the snapshot is skipped,
reading it falls back to the events (``snapshots.py``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import gc
import io
import pickle
import sys
import zlib
from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

FORMAT = 2
"""The version of this encoding, stored in every snapshot; another is never read.
(Format 1, tagged JSON, was never released.)"""

_DOMAIN = "service.domain."
_STANDARD: dict[tuple[str, str], type] = {
    ("datetime", "date"): date,
    ("datetime", "datetime"): datetime,
    ("datetime", "timedelta"): timedelta,
    ("datetime", "timezone"): timezone,
    ("uuid", "UUID"): UUID,
}


class SnapshotCodecError(ValueError):
    """Raised when a state holds what this encoding does not build, or a snapshot is not
    one it wrote."""


class _DomainOnly(pickle.Unpickler):
    """An unpickler that builds the standard values above and the domain's classes only."""

    def find_class(self, module: str, name: str) -> Any:
        standard = _STANDARD.get((module, name))
        return standard if standard is not None else _domain_class(module, name)


@functools.cache
def _domain_class(module_name: str, name: str) -> type:
    """The class ``name`` defined in the imported domain module ``module_name``."""
    module = sys.modules.get(module_name) if module_name.startswith(_DOMAIN) else None
    found = getattr(module, name, None) if module is not None and name.isidentifier() else None
    if not isinstance(found, type) or found.__module__ != module_name:
        raise SnapshotCodecError(f"a snapshot may not build {module_name}:{name}")
    return found


def pack(state: Any) -> str:
    """``state`` in this encoding; SnapshotCodecError if it holds what ``unpack`` refuses."""
    try:
        raw = pickle.dumps(state, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise SnapshotCodecError(f"a snapshot cannot hold this state: {error}") from error
    _load(raw)  # refused now rather than at every read
    return base64.b64encode(zlib.compress(raw, 1)).decode("ascii")


def unpack(text: Any) -> Any:
    """The state ``pack`` wrote; SnapshotCodecError for anything else."""
    if type(text) is not str:
        raise SnapshotCodecError("a snapshot's state is not text")
    try:
        raw = zlib.decompress(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError, zlib.error) as error:
        raise SnapshotCodecError(f"not a packed snapshot: {error}") from error
    return _load(raw)


def _load(raw: bytes) -> Any:
    """The values pickled in ``raw``, with the cyclic garbage collector paused meanwhile.

    Building a long case's thousands of objects triggers the collector's passes, each
    walking the young objects (and now and then the whole heap) for cycles that values
    still being built cannot yet be part of: more than half the time of the decoding.
    Only the call that paused the collector resumes it: a decoding that finds it
    already paused by another thread's leaves it to that one, so the collector is
    never left paused once every decoding has ended.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _DomainOnly(io.BytesIO(raw)).load()
    except SnapshotCodecError:
        raise
    except Exception as error:  # a malformed pickle fails in many ways; each is a refusal
        raise SnapshotCodecError(f"not a snapshot value: {error!r}") from error
    finally:
        if paused:
            gc.enable()
