"""Every test here runs on the local directory and on S3 (moto's server)."""

import pytest

from bidbridge.storage import Storage


@pytest.fixture
def storage(any_storage: Storage) -> Storage:
    return any_storage
