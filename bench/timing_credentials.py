"""getToken latency for a wrong key, an unknown login, an unknown key id and a malformed key.

Not an assertion: it prints medians and their ratios against the wrong-key case, measured in
the same run. A wrong secret and an unknown login (or key id) should cost the same (one query,
one HMAC compare); a malformed key is refused by the parameter pattern before any lookup, with
a different status (422), so its timing tells an attacker nothing the status does not.

    PYTHONPATH=. .venv/bin/python bench/timing_credentials.py [--rounds 400] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient
from tests.factories import Factory

from bidbridge.app import create_app
from bidbridge.config import Settings
from bidbridge.migrate import upgrade
from bidbridge.security.credentials import new_key
from bidbridge.services.runtime import Runtime

URL = "/rest/subcontractor/v1/tokens"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bidbridge-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    upgrade(url)
    settings = Settings(env="test", data_dir=tmp / "var", database_url=url, secret_key="s" * 48,
                        pepper="p" * 48, argon2_time_cost=1, argon2_memory_kib=1024,
                        auth_failure_limit=10**9)
    runtime = Runtime.create(settings)
    setup = Factory(runtime).company()
    key = setup.api_key
    assert key is not None
    wrong_secret = key[:-6] + ("AAAAAA" if not key.endswith("AAAAAA") else "BBBBBB")
    cases = {
        "wrong key (right login)": {"login": setup.login, "apiKey": wrong_secret},
        "unknown login (right key)": {"login": "nobody@bench.example", "apiKey": key},
        "unknown key id": {"login": setup.login, "apiKey": "bb_" + new_key().key_id + "_"
                           + new_key().secret},
        "malformed key (422)": {"login": setup.login, "apiKey": "not-a-key"},
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    with TestClient(create_app(settings, runtime=runtime)) as client:
        for _ in range(20):  # warm up every path
            for data in cases.values():
                client.post(URL, data=data)
        for _ in range(args.rounds):  # interleaved, so drift hits every case alike
            for name, data in cases.items():
                started = time.perf_counter()
                response = client.post(URL, data=data)
                samples[name].append(time.perf_counter() - started)
                assert response.status_code in (401, 422), response.text
    runtime.close()
    base = statistics.median(samples["wrong key (right login)"])
    print(f"getToken refusals, {args.rounds} rounds, {url.split(':')[0]}")
    print(f"{'case':28} {'median ms':>10} {'ratio':>7}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:28} {median * 1000:10.3f} {median / base:7.3f}")


if __name__ == "__main__":
    main()
