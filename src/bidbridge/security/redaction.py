"""Masking anything shaped like an API key or a token before it is logged or echoed."""

from __future__ import annotations

import logging
import re

# A key (bb_<id>_<secret>) or a token (128 hex) sent where no secret belongs — a misspelt
# parameter, a path segment — is still never stored, logged or echoed.
_SECRET_SHAPES = re.compile(
    r"bb_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}|(?<![0-9a-fA-F])[0-9a-fA-F]{128}(?![0-9a-fA-F])")
MASK = "[redacted]"


def mask(text: str) -> str:
    return _SECRET_SHAPES.sub(MASK, text)


class MaskSecretsFilter(logging.Filter):
    """Masks secrets in a record's message and arguments (e.g. uvicorn's access log lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_log_filter(*logger_names: str) -> None:
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskSecretsFilter) for f in logger.filters):
            logger.addFilter(MaskSecretsFilter())
