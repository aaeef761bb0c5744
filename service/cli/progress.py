"""The progress bar every long command shows on stderr (rich), so stdout stays clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Show = Callable[[int, int], None]
"""Told (how far, out of how much) after each batch."""


@contextmanager
def progress_bar(verb: str, unit: str, *, rate: bool = True) -> Iterator[Show]:
    """``verb`` N of M ``unit``, with the rate per second (``rate``) and the time left."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    columns = [TextColumn(verb), BarColumn(bar_width=20), MofNCompleteColumn(), TextColumn(unit)]
    if rate:
        columns.append(TextColumn("{task.fields[rate]}"))
    with Bar(*columns, TimeRemainingColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task(verb, total=None, rate="")

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            speed = bar.tasks[task].speed
            if rate:
                bar.update(task, rate=f"{speed:,.0f}/s" if speed else "")

        yield show
