"""Settings, read once from BIDBRIDGE_* environment variables and validated at start-up."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_FILE = "secrets.json"


class Settings(BaseSettings):
    """Everything configurable about one bidbridge process."""

    model_config = SettingsConfigDict(env_prefix="BIDBRIDGE_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default=Path("var"))
    database_url: str = ""
    # Signs session cookies and CSRF tokens.
    secret_key: str = ""
    # Keys the HMAC digests of API keys and tokens; the id is stored beside each digest
    # so the pepper can be rotated.
    pepper: str = ""
    pepper_id: str = "p1"
    redis_url: str = ""
    # Only outside production: a file holding a clock offset in seconds, so that live-server
    # tests can move time forward without sleeping.
    clock_offset_file: Path | None = None
    token_ttl_seconds: int = 3600
    # Failed getToken / web login attempts allowed per window: per (login, client address), per
    # address across logins, and per login across all addresses (a much higher ceiling).
    auth_failure_limit: int = Field(default=10, ge=1)
    auth_failure_address_limit: int = Field(default=40, ge=1)
    auth_failure_login_limit: int = Field(default=200, ge=1)
    auth_failure_window_seconds: int = Field(default=300, ge=1)
    login_failure_limit: int = Field(default=5, ge=1)
    login_failure_address_limit: int = Field(default=20, ge=1)
    login_failure_login_limit: int = Field(default=100, ge=1)
    # argon2id cost; the defaults follow RFC 9106's second recommended option.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    session_max_age_seconds: int = 8 * 3600
    secure_cookies: bool = False
    max_upload_bytes: int = 50 * 1024 * 1024
    # The late-change rule: an addendum must leave bidders at least this long before the
    # deadline (moving the deadline if need be); 0 switches the rule off.
    addendum_min_notice_seconds: int = Field(default=2 * 86400, ge=0)
    # Where a company asks platform support for API access (a mailto link on the Profile tab).
    support_email: str = Field(default="support@bidbridge.example",
                               pattern=r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
    # Whole request bodies, counted while they stream in and before authentication.
    max_json_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_form_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_multipart_body_bytes: int = Field(default=110 * 1024 * 1024, ge=1024)
    # Origins allowed to call the API from a browser (comma-separated); empty = no CORS at all.
    cors_allow_origins: str = ""
    # Requests per window for each token and for each company (0 switches a budget off).
    # Counters are shared through Redis when BIDBRIDGE_REDIS_URL is set.
    rate_limit_token_requests: int = Field(default=600, ge=0)
    rate_limit_company_requests: int = Field(default=1200, ge=0)
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_redis_prefix: str = "bidbridge:rl:"
    # Document storage: empty = the local directory <data dir>/files; s3://bucket/prefix = an
    # S3-compatible bucket (endpoint empty = AWS; credentials empty = boto3's own chain).
    storage_url: str = ""
    storage_endpoint_url: str = ""
    storage_region: str = ""
    storage_access_key_id: str = ""
    storage_secret_access_key: str = ""
    storage_multipart_threshold_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    storage_timeout_seconds: float = Field(default=10.0, gt=0)
    # One JSON object per log line (with the request id), for a log collector.
    log_json: bool = False
    # Events (getEvents, webhooks): kept this many days; an older cursor answers 410.
    event_retention_days: int = Field(default=30, ge=30)
    # Webhook delivery: targets in these networks (comma-separated CIDRs, e.g. 127.0.0.0/8) are
    # allowed even though private, loopback or link-local; empty = only public addresses.
    webhook_allowed_networks: str = ""
    webhook_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)  # the whole attempt
    webhook_max_response_bytes: int = Field(default=64 * 1024, ge=1024)
    # bidbridge serve on SQLite runs the delivery worker in-process (0 = off, e.g. when a
    # separate `bidbridge worker` runs); on PostgreSQL run `bidbridge worker` processes.
    webhook_worker_in_process: bool = True

    @model_validator(mode="after")
    def _fill_and_check(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'bidbridge.sqlite3'}"
        if self.storage_url and not self.storage_url.startswith("s3://"):
            raise ValueError(f"BIDBRIDGE_STORAGE_URL must be empty (the local directory) or "
                             f"s3://bucket/prefix, not {self.storage_url!r}")
        if self.env == "production":
            missing = [n for n in ("secret_key", "pepper") if len(getattr(self, n)) < 32]
            if missing:
                names = ", ".join("BIDBRIDGE_" + n.upper() for n in missing)
                raise ValueError(f"{names} must be set to at least 32 random characters in production")
            if self.clock_offset_file is not None:
                raise ValueError("BIDBRIDGE_CLOCK_OFFSET_FILE is refused in production")
        elif not self.secret_key or not self.pepper:
            stored = _development_secrets(self.data_dir)
            self.secret_key = self.secret_key or stored["secret_key"]
            self.pepper = self.pepper or stored["pepper"]
        return self

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_allow_origins.split(",") if o.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "files"


def _development_secrets(data_dir: Path) -> dict[str, str]:
    """Random secrets kept in the data directory, so development restarts keep keys valid."""
    path = data_dir / DEV_SECRET_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    data_dir.mkdir(parents=True, exist_ok=True)
    values = {"secret_key": secrets.token_urlsafe(48), "pepper": secrets.token_urlsafe(48)}
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values
