"""A rich progress bar per download, for the sync command."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class RichProgress:
    def __init__(self, console: Console | None = None) -> None:
        self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                            DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(),
                            console=console)

    def __enter__(self) -> RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def start(self, name: str, total: int | None) -> object:
        return self.bar.add_task(name[:40], total=total)

    def advance(self, task: object, done: int, total: int | None) -> None:
        assert isinstance(task, int)
        self.bar.update(TaskID(task), completed=done, total=total)

    def finish(self, task: object) -> None:
        assert isinstance(task, int)
        self.bar.update(TaskID(task), visible=True)
