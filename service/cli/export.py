"""``case-transfer export``: a case's or the whole store's case events, as JSONL or CSV.

The export is written to stdout or ``--output`` and is the same bytes for the same
store (``service.audit.export``); a progress bar goes to stderr, so a pipe or a file
receives nothing else. Run by an operator with the database's URL (and key), it reads
as an auditor would.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from ..audit import export
from ..bootstrap import check_settings, open_store
from ..domain.actors import AUDITOR, Actor
from ..domain.errors import DomainError
from ..settings import Settings
from .progress import progress_bar

OPERATOR = Actor("case-transfer export", AUDITOR, None)


def register(commands: Any) -> None:
    command = commands.add_parser(
        "export",
        help="write a case's or every case's events as JSON Lines or CSV (the same bytes "
        "for the same store)",
    )
    which = command.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", type=_case_id, metavar="ID", help="one case's events")
    which.add_argument("--all", action="store_true", help="every case's events, in log order")
    command.add_argument(
        "--format",
        choices=[f.value for f in export.Format],
        default=export.Format.JSONL.value,
        help="jsonl (default): one JSON object a line; csv: a fixed header, data as JSON",
    )
    command.add_argument(
        "--as-known-at",
        type=_instant,
        metavar="T",
        help="only events recorded up to T (ISO 8601 with an offset, e.g. "
        "2026-11-26T09:00:00+00:00)",
    )
    command.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    command.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    settings = Settings()
    check_settings(settings)
    application = open_store(settings, read_only=True)  # reads only: no DDL
    form = export.Format(args.format)
    try:
        application.check_key()  # a key that cannot read the log: no export
        if args.all:
            with progress_bar("Exporting", "log positions", rate=False) as show:
                events = export.store_events(
                    application, as_known_at=args.as_known_at, progress=show
                )
                written = _write(export.lines(events, form), args.output)
        else:
            try:
                found = export.case_events(
                    application, OPERATOR, args.case, as_known_at=args.as_known_at
                )
            except DomainError as refused:
                print(f"case-transfer: {refused.detail}", file=sys.stderr)
                return 2
            with progress_bar("Exporting", "events", rate=False) as show:
                written = _write(export.lines(found, form), args.output)
                show(len(found), len(found))
    finally:
        application.close()
    events_written = written - (1 if form is export.Format.CSV else 0)  # less the header
    print(f"Exported {events_written:,} events to {args.output or 'stdout'}.", file=sys.stderr)
    return 0


def _write(lines: Iterator[str], output: Path | None) -> int:
    """Write UTF-8 with "\\n" line ends, as given; the number of lines written. A file is
    written beside and renamed in, so an interrupted export never leaves a truncated
    file under the name asked for."""
    if output is None:
        return _copy(lines, sys.stdout.buffer)
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("wb") as sink:
            written = _copy(lines, sink)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written


def _copy(lines: Iterator[str], sink: IO[bytes]) -> int:
    count = 0
    for line in lines:
        sink.write(line.encode("utf-8"))
        count += 1
    sink.flush()
    return count


def _case_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a case id: {text!r}") from None


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give the instant an offset, e.g. {text}+00:00")
    return instant
