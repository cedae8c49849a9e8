"""Second factor for web accounts: TOTP (RFC 6238, through pyotp) and ten one-time recovery codes.

The TOTP secret is needed in the clear to check a code, so it is sealed (Fernet, under a key
derived from the secret key) rather than hashed: a database dump alone yields no secret.
Recovery codes are stored as HMAC-SHA256 digests under the pepper and compared in constant time.
A code is accepted once: the last accepted time step is kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import AppError
from bidbridge.models import Company, Contact, SupportUser, TwoFactor
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext

ISSUER = "bidbridge"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt


@dataclass(frozen=True)
class Keys:
    """What sealing and hashing need: the process's secret key and pepper."""

    secret_key: str
    pepper: str

    def fernet(self) -> Fernet:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"bidbridge totp secret v1").derive(self.secret_key.encode())
        return Fernet(base64.urlsafe_b64encode(derived))

    def code_digest(self, code: str) -> str:
        return hmac.new(self.pepper.encode(), _normal(code).encode(), hashlib.sha256).hexdigest()


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def get(session: Session, kind: str, account_id: int) -> TwoFactor | None:
    return session.scalar(select(TwoFactor).where(TwoFactor.account_kind == kind,
                                                  TwoFactor.account_id == account_id))


def is_enrolled(session: Session, kind: str, account_id: int) -> bool:
    row = get(session, kind, account_id)
    return row is not None and row.confirmed_at is not None


def is_required(session: Session, kind: str, account: Contact | SupportUser) -> bool:
    """Support accounts always; a contact when its company asks for it."""
    if kind == "support":
        return True
    assert isinstance(account, Contact)
    company = session.get(Company, account.company_id)
    return bool(company and company.two_factor_required)


def secret_of(keys: Keys, row: TwoFactor) -> str:
    try:
        return keys.fernet().decrypt(row.secret_sealed.encode()).decode()
    except InvalidToken as exc:  # the secret key changed: the factor must be enrolled again
        raise AppError("The second factor cannot be read with this server's secret key; ask "
                       "support to reset it.", code="two_factor_unreadable", status=409) from exc


def pending_secret(session: Session, ctx: RequestContext, keys: Keys, kind: str,
                   account_id: int) -> str:
    """The secret being enrolled: kept across reloads of the page until it is confirmed."""
    row = get(session, kind, account_id)
    if row is not None and row.confirmed_at is not None:
        raise AppError("Two-factor login is set up already.", code="two_factor_enrolled",
                       status=409)
    if row is None:
        now = ctx.now()
        row = TwoFactor(account_kind=kind, account_id=account_id, recovery_digests=[],
                        secret_sealed=keys.fernet().encrypt(pyotp.random_base32().encode()).decode(),
                        created_at=now, updated_at=now)
        session.add(row)
        session.flush()
    return secret_of(keys, row)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (±1 for clock drift) whose code is ``code``, compared in constant time."""
    totp = pyotp.TOTP(secret)
    wanted = _normal(code)
    found = None
    for offset in (-1, 0, 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), wanted):
            found = totp.timecode(now) + offset
    return found


def confirm(session: Session, ctx: RequestContext, keys: Keys, kind: str, account_id: int,
            code: str, *, company_id: int | None, label: str) -> list[str]:
    """Finish enrolment with a code from the app; returns the recovery codes (shown once)."""
    row = get(session, kind, account_id)
    if row is None or row.confirmed_at is not None:
        raise AppError("Start the set-up again: open the two-factor page.",
                       code="two_factor_not_pending", status=409)
    step = _matching_step(secret_of(keys, row), code, ctx.now())
    if step is None:
        raise wrong_code()
    codes = ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
             for _ in range(RECOVERY_CODES)]
    row.recovery_digests = [keys.code_digest(c) for c in codes]
    row.confirmed_at = row.updated_at = ctx.now()
    row.last_step = step
    record_event(session, ctx, "two_factor.enrolled", company_id=company_id,
                 target_type=kind if kind == "contact" else "support_user", target_id=account_id,
                 target_label=label)
    return codes


def wrong_code() -> AppError:
    return AppError("That code is not right. Enter the 6-digit code your authenticator app "
                    "shows now, or one of your recovery codes.", code="wrong_code", status=401)


def verify(session: Session, ctx: RequestContext, keys: Keys, kind: str, account_id: int,
           code: str, *, company_id: int | None, label: str) -> str:
    """Check a login code: a TOTP code (once per step) or an unused recovery code (used up).
    Returns "totp" or "recovery"; raises wrong_code otherwise."""
    row = session.scalar(select(TwoFactor).where(TwoFactor.account_kind == kind,
                                                 TwoFactor.account_id == account_id)
                         .with_for_update())
    if row is None or row.confirmed_at is None:
        raise wrong_code()
    if len(_normal(code)) == 6:
        step = _matching_step(secret_of(keys, row), code, ctx.now())
        if step is not None and (row.last_step is None or step > row.last_step):
            row.last_step = step
            row.updated_at = ctx.now()
            return "totp"
        raise wrong_code()
    digest = keys.code_digest(code)
    remaining = list(row.recovery_digests)
    matched = [d for d in remaining if hmac.compare_digest(d, digest)]
    if not matched:
        raise wrong_code()
    remaining.remove(matched[0])
    row.recovery_digests = remaining
    row.updated_at = ctx.now()
    record_event(session, ctx, "two_factor.recovery_code_used", company_id=company_id,
                 target_type=kind if kind == "contact" else "support_user", target_id=account_id,
                 target_label=label, data={"remaining": len(remaining)})
    return "recovery"


def remove(session: Session, ctx: RequestContext, kind: str, account_id: int, *,
           company_id: int | None, label: str) -> None:
    row = get(session, kind, account_id)
    if row is None:
        return
    session.delete(row)
    record_event(session, ctx, "two_factor.removed", company_id=company_id,
                 target_type=kind if kind == "contact" else "support_user", target_id=account_id,
                 target_label=label)


def set_company_requirement(session: Session, ctx: RequestContext, company: Company,
                            required: bool) -> None:
    if company.two_factor_required == required:
        return
    company.two_factor_required = required
    company.updated_at = ctx.now()
    record_event(session, ctx, "company.two_factor_required" if required else
                 "company.two_factor_optional", company_id=company.id, target_type="company",
                 target_id=company.id, target_label=company.name)
