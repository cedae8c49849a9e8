"""Request budgets per token and per company, in fixed windows of the controlled clock.

Counters live in process memory, or in Redis so that every server process spends one budget.
When Redis fails, each process falls back to its own memory counters (fail open to the local
budget) and logs a warning; Redis is tried again after a short pause.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger("bidbridge.rate_limit")


@dataclass(frozen=True)
class Policy:
    """``quota`` requests per ``window`` seconds for each subject (a token, a company)."""

    name: str
    quota: int
    window: int


@dataclass(frozen=True)
class Usage:
    policy: Policy
    count: int
    reset: int  # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.policy.quota - self.count)

    @property
    def exceeded(self) -> bool:
        return self.count > self.policy.quota


class CounterStore(Protocol):
    def increment(self, keys: list[tuple[str, int]]) -> list[int]:
        """Add one to each (key, ttl seconds) and return the new counts, in order."""


class MemoryCounterStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def increment(self, keys: list[tuple[str, int]]) -> list[int]:
        now = time.monotonic()
        out: list[int] = []
        with self._lock:
            for key, ttl in keys:
                count, until = self._counts.get(key, (0, 0.0))
                if until <= now:
                    count, until = 0, now + ttl
                self._counts[key] = (count + 1, until)
                out.append(count + 1)
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        return out


class RedisCounterStore:
    """Shared counters; on any Redis error, memory counters for ``retry_seconds``."""

    def __init__(self, url: str, prefix: str, *, retry_seconds: float = 5.0,
                 client: Any | None = None) -> None:
        import redis

        self._redis = client or redis.Redis.from_url(url, socket_timeout=0.5,
                                                     socket_connect_timeout=0.5)
        self._prefix = prefix
        self._fallback = MemoryCounterStore()
        self._retry_seconds = retry_seconds
        self._down_until = 0.0

    def increment(self, keys: list[tuple[str, int]]) -> list[int]:
        if time.monotonic() < self._down_until:
            return self._fallback.increment(keys)
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key, ttl in keys:
                pipe.incr(self._prefix + key)
                pipe.expire(self._prefix + key, ttl, nx=True)
            results = pipe.execute()
        except Exception as exc:  # any Redis failure: never refuse a call because of it
            self._down_until = time.monotonic() + self._retry_seconds
            log.warning("rate limit counters unavailable in Redis (%s); using this process's "
                        "own counters for %.0f s", exc.__class__.__name__, self._retry_seconds)
            return self._fallback.increment(keys)
        return [int(results[i]) for i in range(0, len(results), 2)]


class RateLimiter:
    def __init__(self, policies: list[Policy], store: CounterStore) -> None:
        self.policies = [p for p in policies if p.quota > 0]
        self.store = store

    def hit(self, now: datetime, subjects: dict[str, str]) -> list[Usage]:
        """Count one request against each policy's subject (policy name -> subject id)."""
        seconds = int(now.timestamp())
        keys: list[tuple[str, int]] = []
        resets: list[int] = []
        active = [p for p in self.policies if p.name in subjects]
        for policy in active:
            window_index, into = divmod(seconds, policy.window)
            keys.append((f"{policy.name}:{subjects[policy.name]}:{policy.window}:{window_index}",
                         policy.window + 1))
            resets.append(policy.window - into)
        if not keys:
            return []
        counts = self.store.increment(keys)
        return [Usage(p, c, r) for p, c, r in zip(active, counts, resets, strict=True)]


def headers(usages: list[Usage]) -> dict[str, str]:
    """RateLimit and RateLimit-Policy, as structured-field lists (draft-ietf-httpapi-ratelimit-headers)."""
    if not usages:
        return {}
    return {
        "RateLimit-Policy": ", ".join(f'"{u.policy.name}";q={u.policy.quota};w={u.policy.window}'
                                      for u in usages),
        "RateLimit": ", ".join(f'"{u.policy.name}";r={u.remaining};t={u.reset}' for u in usages),
    }


def make_rate_limiter(*, token_quota: int, company_quota: int, window: int, redis_url: str,
                      redis_prefix: str) -> RateLimiter:
    # "address": calls without a valid token (401), per client address, with the token's quota.
    policies = [Policy("token", token_quota, window), Policy("company", company_quota, window),
                Policy("address", token_quota, window)]
    store: CounterStore = (RedisCounterStore(redis_url, redis_prefix) if redis_url
                           else MemoryCounterStore())
    return RateLimiter(policies, store)
