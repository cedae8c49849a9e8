"""Fast bulk loading for benchmark data: COPY on PostgreSQL, batched executemany on SQLite,
with a rich progress bar for long loads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine, Table, insert

BATCH = 10_000


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), transient=False)


def load_rows(engine: Engine, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
              total: int, label: str) -> None:
    """Insert ``total`` rows (tuples in ``columns`` order) into ``table`` in one transaction."""
    with progress() as bar:
        task = bar.add_task(label, total=total)
        if engine.dialect.name == "postgresql":
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                # The generated rows are consistent by construction; skipping the per-row
                # foreign-key triggers makes COPY several times faster (needs a superuser,
                # as the benchmark's own database has).
                cursor.execute("SET LOCAL session_replication_role = replica")
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                    for i, row in enumerate(rows, 1):
                        copy.write_row(row)
                        if i % BATCH == 0:
                            bar.advance(task, BATCH)
                raw.commit()
            finally:
                raw.close()
        else:
            statement = insert(table)
            iterator = iter(rows)
            with engine.begin() as conn:
                while batch := list(islice(iterator, BATCH)):
                    conn.execute(statement, [dict(zip(columns, row, strict=True)) for row in batch])
                    bar.advance(task, len(batch))
        bar.update(task, completed=total)


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give them soon after."""
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
