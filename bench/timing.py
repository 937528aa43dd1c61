"""Timing what a benchmark measures: the SQL a call runs (a connection.execute_wrapper)."""

import time
from typing import Any


class SqlTimer:
    """Counts the queries run while it wraps the connection and the seconds they took."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
