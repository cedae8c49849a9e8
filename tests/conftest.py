"""Test fixtures: every database test runs on SQLite and on PostgreSQL, with a schema built by
the migrations, a controlled clock, and the real app behind Starlette's TestClient.

BIDBRIDGE_TEST_DATABASES picks the backends (default "sqlite,postgresql"); when PostgreSQL is
among them and unreachable, the tests fail — they are never skipped.
BIDBRIDGE_TEST_POSTGRES_URL points at the server (default postgresql://postgres@127.0.0.1:5432/test);
each xdist worker gets a database of its own, created afresh.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from bidbridge.app import create_app
from bidbridge.clock import FrozenClock
from bidbridge.config import Settings
from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.migrate import upgrade
from bidbridge.security.passwords import Passwords
from bidbridge.services.runtime import Runtime
from bidbridge.services.throttle import MemoryFailureCounter
from bidbridge.storage import Storage
from bidbridge.storage.local import LocalStorage
from bidbridge.storage.s3 import S3Location, S3Storage
from tests.factories import Factory
from tests.openapi_check import ValidatingClient
from tests.s3_server import S3Server, s3_server

BACKENDS = [b.strip() for b in os.environ.get("BIDBRIDGE_TEST_DATABASES",
                                             "sqlite,postgresql").split(",") if b.strip()]
# The storage backends of the storage tests (see the `any_storage` fixture).
STORAGES = [s.strip() for s in os.environ.get("BIDBRIDGE_TEST_STORAGES", "local,s3").split(",")
            if s.strip()]
POSTGRES_URL = os.environ.get("BIDBRIDGE_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_database(tmp: Path) -> str:
    admin_url = make_url(POSTGRES_URL)
    # Unique per checkout and worker, so parallel checkouts on one server never collide.
    checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
    name = f"bidbridge_test_{checkout}_{_worker()}"
    admin = create_engine(admin_url.set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        raise RuntimeError(
            f"PostgreSQL is required for the test suite and is unreachable at {POSTGRES_URL}: "
            f"{exc}. Start it, or set BIDBRIDGE_TEST_DATABASES=sqlite for a SQLite-only run."
        ) from exc
    finally:
        admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, Engine]]]:
    built: dict[str, tuple[str, Engine]] = {}
    yield built
    for _, engine in built.values():
        engine.dispose()


@pytest.fixture(scope="session")
def database(backend: str, engines: dict[str, tuple[str, Engine]],
             tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Engine]:
    """(url, engine) of a migrated database for this backend, built once per worker."""
    if backend not in engines:
        tmp = tmp_path_factory.mktemp(f"db-{backend}")
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'test.sqlite3'}"
        elif backend == "postgresql":
            url = _postgres_database(tmp)
        else:
            raise ValueError(f"unknown test backend {backend!r}")
        upgrade(url)
        engines[backend] = (url, make_engine(url))
    return engines[backend]


@pytest.fixture
def settings(database: tuple[str, Engine], tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path / "var", database_url=database[0],
                    secret_key="t" * 48, pepper="p" * 48, argon2_time_cost=1,
                    argon2_memory_kib=1024)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


_PASSWORDS = Passwords(time_cost=1, memory_kib=1024)


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server, one per test worker, started on first use."""
    with s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


def make_s3_storage(s3: S3Server, **options: float) -> S3Storage:
    conf = s3.settings(s3.new_bucket())
    return S3Storage(S3Location.parse(conf["storage_url"]), endpoint_url=s3.endpoint,
                     region=conf["storage_region"], access_key_id=conf["storage_access_key_id"],
                     secret_access_key=conf["storage_secret_access_key"], **options)


@pytest.fixture(params=STORAGES)
def any_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each storage backend in turn: a test module that wants both overrides `storage` with it,
    as the database tests run on both databases."""
    if request.param == "local":
        return LocalStorage(tmp_path / "var" / "files")
    if request.param == "s3":
        return make_s3_storage(request.getfixturevalue("s3"))
    raise ValueError(f"unknown test storage {request.param!r}")


@pytest.fixture
def storage(settings: Settings) -> Storage:
    return LocalStorage(settings.storage_dir)


@pytest.fixture
def runtime(settings: Settings, database: tuple[str, Engine], clock: FrozenClock,
            storage: Storage) -> Runtime:
    engine = database[1]
    return Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                   clock=clock, passwords=_PASSWORDS, failures=MemoryFailureCounter(),
                   storage=storage)


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime.settings, runtime=runtime)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    # Every API answer a test sees is checked against the published OpenAPI document.
    with ValidatingClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def factory(runtime: Runtime) -> Factory:
    return Factory(runtime)
