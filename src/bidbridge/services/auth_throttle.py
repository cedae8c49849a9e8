"""Throttling guesses at a secret (API key, password, second factor) without locking out its owner.

Three failure counters per attempt, all in one window: per (login, address), per address across
logins, and per login across addresses with a much higher ceiling. The first two stop one
machine guessing; the third stops a guessing botnet. Anyone who knows a login can fill the third,
so once it is full an address that has not failed in the window is still heard: its correct
secret succeeds, a wrong one counts and that address then waits like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from bidbridge.services.throttle import FailureCounter


@dataclass(frozen=True)
class Limits:
    pair: int
    address: int
    login: int
    window: int


class AuthThrottle:
    def __init__(self, counter: FailureCounter, prefix: str, limits: Limits) -> None:
        self.counter = counter
        self.prefix = prefix
        self.limits = limits

    def _keys(self, login: str, address: str) -> tuple[str, str, str]:
        login = login.strip().lower()
        return (f"{self.prefix}:pair:{login}|{address}", f"{self.prefix}:ip:{address}",
                f"{self.prefix}:login:{login}")

    def wait(self, login: str, address: str) -> int:
        """Seconds this address must wait before its attempt is even checked; 0 = go ahead."""
        pair, ip, whole = self._keys(login, address)
        limits = self.limits
        wait = max(self.counter.retry_after(pair, limits.pair),
                   self.counter.retry_after(ip, limits.address))
        if wait:
            return wait
        busy = self.counter.retry_after(whole, limits.login)
        if busy and (self.counter.retry_after(pair, 1) or self.counter.retry_after(ip, 1)):
            return busy  # the login is under attack and this address has failed: it waits
        return 0

    def failed(self, login: str, address: str) -> None:
        for key in self._keys(login, address):
            self.counter.add_failure(key, self.limits.window)

    def succeeded(self, login: str, address: str) -> None:
        # Only the pair is forgiven: one good login must not buy an address (or the botnet
        # guessing this login) more guesses.
        self.counter.reset(self._keys(login, address)[0])
