"""Counting failures in fixed windows: in process memory, or in Redis when configured."""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol


class FailureCounter(Protocol):
    def retry_after(self, key: str, limit: int) -> int:
        """Seconds to wait when ``key`` has reached ``limit`` failures in its window, else 0."""

    def add_failure(self, key: str, window_seconds: int) -> None: ...

    def reset(self, key: str) -> None: ...


class MemoryFailureCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def retry_after(self, key: str, limit: int) -> int:
        with self._lock:
            count, until = self._counts.get(key, (0, 0.0))
            now = time.monotonic()
            if until <= now:
                self._counts.pop(key, None)
                return 0
            return max(1, math.ceil(until - now)) if count >= limit else 0

    def add_failure(self, key: str, window_seconds: int) -> None:
        with self._lock:
            now = time.monotonic()
            count, until = self._counts.get(key, (0, 0.0))
            if until <= now:
                count, until = 0, now + window_seconds
            self._counts[key] = (count + 1, until)
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}

    def reset(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RedisFailureCounter:
    """Shared by every server process: one budget across a load-balanced fleet."""

    def __init__(self, url: str, prefix: str = "bidbridge:fail:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._prefix = prefix

    def retry_after(self, key: str, limit: int) -> int:
        k = self._prefix + key
        pipe = self._redis.pipeline()
        pipe.get(k)
        pipe.ttl(k)
        count, ttl = pipe.execute()
        if count is None or int(count) < limit:
            return 0
        return max(1, int(ttl))

    def add_failure(self, key: str, window_seconds: int) -> None:
        k = self._prefix + key
        pipe = self._redis.pipeline()
        pipe.incr(k)
        pipe.expire(k, window_seconds, nx=True)
        pipe.execute()

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


def make_failure_counter(redis_url: str) -> FailureCounter:
    return RedisFailureCounter(redis_url) if redis_url else MemoryFailureCounter()
