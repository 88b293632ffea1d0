"""Email to holders: their address (verified by a code before we mail them anything else), unsubscribe
links, and an outbox the SMTP worker sends from.

Email is optional twice over: the municipality enables it by setting RESIDENT_SMTP_URL (smtp://host:port,
smtps://user:pass@host:465, smtp+starttls://…), and each holder by giving and verifying an address. With
no SMTP URL nothing is queued and everything stays in the app. The address never goes on chain.

Mails are queued in the same transaction as what they tell about (an announcement, a notice), and sent
afterwards by `deliver_outbox`: by the mail job (civic.mail, backend/civic/jobs.py) every minute, and by
the app as a background task after a request that queued one (a verification code, an announcement).
A mail that fails stays queued with its error and is retried next time. Nothing else sends: the
inactivity job, for one, only queues its notices' mails.
Mails are bilingual (Japanese first) and encoded as UTF-8.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.auth.secrets import secrets_equal
from backend.db.models_civic import HolderEmail, OutboxMail
from backend.db.session import one_at_a_time
from backend.errors import Refusal
from backend.messages import bilingual

CODE_TTL = 30 * 60
CODE_ATTEMPTS = 5
MAX_ATTEMPTS = 10  # a mail that failed this often is left for staff to look at
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_SENDING = threading.Lock()


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    mode: str  # plain | ssl | starttls
    user: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    modes = {"smtp": "plain", "smtps": "ssl", "smtp+starttls": "starttls"}
    if parts.scheme not in modes or not parts.hostname:
        raise ValueError(f"RESIDENT_SMTP_URL must look like smtp://host:port (or smtps://, smtp+starttls://), "
                         f"not {parts.scheme or '?'}://…")
    default_port = {"plain": 25, "ssl": 465, "starttls": 587}[modes[parts.scheme]]
    return SmtpTarget(parts.hostname, parts.port or default_port, modes[parts.scheme],
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None)


def enabled(settings) -> bool:
    return bool(getattr(settings, "smtp_url", None))


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def unsubscribe_token(settings, address: str) -> str:
    """A token only we can make, so an unsubscribe link works without sign-in and cannot be forged."""
    key = settings.session_secret.encode()
    return hmac.new(key, f"unsubscribe:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_url(settings, address: str) -> str:
    return (f"{settings.public_url.rstrip('/')}/email/unsubscribe?address={quote(address)}"
            f"&token={unsubscribe_token(settings, address)}")


def _footer(settings, address: str) -> str:
    return f"\n\n--\n{bilingual('mail_unsubscribe')}: {unsubscribe_url(settings, address)}\n"


def enqueue(session: Session, to_email: str, subject: str, body: str, purpose: str, now: int) -> OutboxMail:
    mail = OutboxMail(to_email=to_email, subject=subject[:400], body=body[:20000], purpose=purpose, created_at=now)
    session.add(mail)
    return mail


def deliverable(session: Session, address: str) -> HolderEmail | None:
    """The holder's address if mail may go there (verified, not unsubscribed)."""
    row = session.get(HolderEmail, address)
    if row is None or row.verified_at is None or row.unsubscribed_at is not None:
        return None
    return row


def mail_holder(session: Session, settings, address: str, subject: str, body: str, purpose: str, now: int) -> bool:
    """Queues a mail to the holder's verified address (with an unsubscribe link); False if none/disabled."""
    if not enabled(settings):
        return False
    row = deliverable(session, address)
    if row is None:
        return False
    enqueue(session, row.email, subject, body + _footer(settings, address), purpose, now)
    return True


# --- the holder's address -------------------------------------------------------------------------------
def set_address(session: Session, settings, address: str, email: str, lang: str, now: int) -> HolderEmail:
    """Stores (or replaces) the holder's address unverified and mails it a 6-digit code."""
    if not enabled(settings):
        raise Refusal("email_disabled", detail="email_news_in_app")
    email = email.strip()
    if not EMAIL_RE.match(email):
        raise Refusal("email_invalid")
    code = f"{secrets.randbelow(10**6):06d}"
    row = session.get(HolderEmail, address)
    if row is None:
        row = HolderEmail(address=address, email=email, created_at=now)
        session.add(row)
    row.email, row.lang = email, lang
    row.verified_at = row.unsubscribed_at = None
    row.code_digest, row.code_expires_at, row.code_attempts = _digest(code), now + CODE_TTL, 0
    body = bilingual("mail_verify_body", "\n", code=code)
    enqueue(session, email, bilingual("mail_verify_subject"), body, "verify", now)
    return row


def verify_address(session: Session, address: str, code: str, now: int) -> HolderEmail:
    row = session.get(HolderEmail, address)
    if row is None or row.code_digest is None:
        raise Refusal("email_not_pending")
    if row.code_expires_at is None or now >= row.code_expires_at or row.code_attempts >= CODE_ATTEMPTS:
        raise Refusal("email_code_expired")
    if not secrets_equal(row.code_digest, _digest(code.strip())):
        row.code_attempts += 1
        raise Refusal("email_code_wrong", attempts_left=CODE_ATTEMPTS - row.code_attempts)
    row.verified_at, row.code_digest, row.code_expires_at, row.unsubscribed_at = now, None, None, None
    return row


def unsubscribe(session: Session, settings, address: str, token: str, now: int) -> bool:
    if not secrets_equal(unsubscribe_token(settings, address), token):
        raise Refusal("unsubscribe_link_invalid")
    row = session.get(HolderEmail, address)
    if row is None:
        return False
    row.unsubscribed_at = now
    return True


# --- the worker -----------------------------------------------------------------------------------------
def build_message(mail: OutboxMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_email
    message["Subject"] = mail.subject  # non-ASCII becomes RFC 2047 UTF-8 words
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or "localhost")
    message.set_content(mail.body, charset="utf-8")
    return message


def _connect(target: SmtpTarget, timeout: float) -> smtplib.SMTP:
    if target.mode == "ssl":
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
        if target.mode == "starttls":
            client.starttls(context=ssl.create_default_context())
    if target.user:
        client.login(target.user, target.password or "")
    return client


def deliver_outbox(session_factory, settings, *, limit: int = 200, timeout: float = 10.0) -> dict:
    """Sends queued mails (oldest first) through SMTP; returns {"sent": n, "failed": n}.

    One delivery at a time per process; each mail is marked sent in its own commit right after SMTP
    accepted it, so a crash re-sends at most one mail.
    """
    if not enabled(settings):
        return {"sent": 0, "failed": 0}
    target = parse_smtp_url(settings.smtp_url)
    sent = failed = 0
    # Across API workers too: a staff "send now" in one worker and the leader's job never send one mail twice.
    with _SENDING, one_at_a_time(session_factory, "mail"), session_factory() as session:
        pending = list(session.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_(None),
                                                                OutboxMail.attempts < MAX_ATTEMPTS)
                                       .order_by(OutboxMail.id).limit(limit)))
        session.commit()
        if not pending:
            return {"sent": 0, "failed": 0}
        try:
            client = _connect(target, timeout)
        except (OSError, smtplib.SMTPException) as exc:
            _failed(session, [m.id for m in pending], f"connect: {exc}")
            return {"sent": 0, "failed": len(pending)}
        try:
            for mail in pending:
                try:
                    client.send_message(build_message(mail, settings.mail_from))
                except (OSError, smtplib.SMTPException) as exc:
                    _failed(session, [mail.id], str(exc))
                    failed += 1
                    continue
                session.execute(update(OutboxMail).where(OutboxMail.id == mail.id)
                                .values(sent_at=int(time.time()), attempts=OutboxMail.attempts + 1, last_error=None))
                session.commit()
                sent += 1
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return {"sent": sent, "failed": failed}


def _failed(session: Session, ids: list[int], error: str) -> None:
    session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids))
                    .values(attempts=OutboxMail.attempts + 1, last_error=error[:500]))
    session.commit()
