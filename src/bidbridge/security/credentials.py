"""API key and token formats, and their keyed digests.

An API key reads ``bb_<key id>_<secret>``: the ``bb_`` prefix makes leaked keys easy to find
with secret scanners, the 16-hex key id finds the row, the secret carries 256 random bits.
Only HMAC-SHA256(pepper, secret) is stored.

A token is HMAC-SHA512(pepper, nonce) in hex: 128 lowercase hex characters, as the modelled
platform hands out. The row keeps the nonce (useless without the pepper) so the same token can
be handed back while it is valid, and SHA-256(token) to find the row.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

KEY_PREFIX = "bb_"
KEY_ID_HEX = 16
KEY_PATTERN = r"^bb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$"
TOKEN_PATTERN = r"^[0-9a-f]{128}$"
_KEY_RE = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret: str

    @property
    def full(self) -> str:
        return f"{KEY_PREFIX}{self.key_id}_{self.secret}"

    @property
    def display_prefix(self) -> str:
        return f"{KEY_PREFIX}{self.key_id}"


def new_key() -> NewKey:
    return NewKey(key_id=secrets.token_hex(KEY_ID_HEX // 2), secret=secrets.token_urlsafe(32))


def parse_key(raw: str) -> tuple[str, str] | None:
    """Split a key into (key id, secret), or None when it is not shaped like a key."""
    if not _KEY_RE.match(raw):
        return None
    body = raw[len(KEY_PREFIX):]
    return body[:KEY_ID_HEX], body[KEY_ID_HEX + 1:]


def display_prefix(key_id: str) -> str:
    return f"{KEY_PREFIX}{key_id}"


def digest_secret(pepper: str, secret: str) -> str:
    return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(pepper: str, secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest_secret(pepper, secret), stored_digest)


def new_nonce() -> str:
    return secrets.token_hex(32)


def derive_token(pepper: str, nonce: str) -> str:
    return hmac.new(pepper.encode(), nonce.encode(), hashlib.sha512).hexdigest()


def token_lookup_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A digest no secret maps to, compared against when no key row exists, so that an unknown key
# costs the same work as a wrong one.
DUMMY_DIGEST = "0" * 64
