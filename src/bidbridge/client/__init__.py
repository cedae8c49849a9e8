"""The Python client of the bidbridge APIs: typed methods, invisible token renewal, safe retries.

    with Client("https://bidbridge.example", "api@example.com", api_key) as client:
        me = client.get_me()
"""

from __future__ import annotations

from typing import Any

from bidbridge.client.core import BaseClient, Download
from bidbridge.client.errors import ApiError, ClientError, DownloadError, RateLimitedError
from bidbridge.client.events import FeedMixin, WebhookError, verify_webhook
from bidbridge.client.functions import ContractorFunctions, SubcontractorFunctions


class ContractorClient(ContractorFunctions):
    """The contractor API (/rest/contractor/v1)."""

    def __init__(self, base_url: str, login: str, api_key: str, *, api: str = "contractor",
                 **options: Any) -> None:
        super().__init__(base_url, login, api_key, **options)


class Client(FeedMixin, SubcontractorFunctions):
    """The subcontractor API; ``api="contractor"`` gives a ContractorClient instead."""

    def __new__(cls, base_url: str, login: str, api_key: str, *, api: str = "subcontractor",
                **options: Any) -> Any:
        if api == "contractor":
            return ContractorClient(base_url, login, api_key, **options)
        if api != "subcontractor":
            raise ValueError(f"api must be 'subcontractor' or 'contractor', not {api!r}")
        return super().__new__(cls)

    def __init__(self, base_url: str, login: str, api_key: str, *, api: str = "subcontractor",
                 **options: Any) -> None:
        super().__init__(base_url, login, api_key, **options)


__all__ = ["ApiError", "BaseClient", "Client", "ClientError", "ContractorClient", "Download",
           "DownloadError", "RateLimitedError", "WebhookError", "verify_webhook"]
