"""The storage backend the settings name: the local directory, or an S3-compatible bucket."""

from __future__ import annotations

from bidbridge.config import Settings
from bidbridge.storage import Storage
from bidbridge.storage.local import LocalStorage


def storage_from_settings(settings: Settings) -> Storage:
    if not settings.storage_url:
        return LocalStorage(settings.storage_dir)
    from bidbridge.storage.s3 import S3Location, S3Storage

    return S3Storage(S3Location.parse(settings.storage_url),
                     endpoint_url=settings.storage_endpoint_url,
                     region=settings.storage_region,
                     access_key_id=settings.storage_access_key_id,
                     secret_access_key=settings.storage_secret_access_key,
                     multipart_threshold=settings.storage_multipart_threshold_bytes,
                     timeout_seconds=settings.storage_timeout_seconds)
