"""Mail plumbing: SMTP URLs, email switched off without RESIDENT_SMTP_URL, and a mail that could not be sent
stays queued and goes out once the SMTP server answers (a real aiosmtpd server)."""

import pytest

from tests.backend.access_setup import assert_error
from backend.civic.mail import deliver_outbox, enqueue, parse_smtp_url
from backend.db.models_civic import OutboxMail
from tests.backend.civic_setup import SmtpServer, holder_with_card, new_town
from tests.backend.localchain import free_port


def test_smtp_urls():
    plain = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.mode, plain.user) == ("127.0.0.1", 2525, "plain", None)
    secure = parse_smtp_url("smtps://town%40example.jp:p%40ss@mail.example.jp")
    assert (secure.port, secure.mode, secure.user, secure.password) == (465, "ssl", "town@example.jp", "p@ss")
    assert parse_smtp_url("smtp+starttls://mail.example.jp").port == 587
    with pytest.raises(ValueError, match="smtp://host:port"):
        parse_smtp_url("http://mail.example.jp")


def test_without_an_smtp_url_email_is_off_and_news_stay_in_the_app(client, app, chain_with_collection, sync_index):
    town = new_town(chain_with_collection, client, app, sync_index)
    _, headers, _ = holder_with_card(client, town, sync_index)
    assert client.get("/me/email", headers=headers).json()["enabled"] is False
    assert_error(client.put("/me/email", json={"email": "taro@example.jp"}, headers=headers), 409, "email_disabled")
    r = client.post(f"/staff/municipalities/{town.mid}/announcements", headers=town.staff,
                    json={"collection_id": town.cid, "title_ja": "お知らせ", "title_en": "News", "email": True})
    assert_error(r, 409, "email_disabled")


def test_an_unsubscribe_token_in_any_script_is_refused(client):
    # Found by schemathesis: non-ASCII text reached hmac.compare_digest on str, which raises TypeError (a 500).
    for token in ("%F2%9A%BD%8D", "%E9%85%8D%E4%BF%A1", "%ED%A0%80"):
        r = client.get(f"/email/unsubscribe?address=0x5FC8d32690cc91D4c39d9d3abcBD16989F875707&token={token}")
        assert_error(r, 403, "unsubscribe_link_invalid")


def test_a_mail_that_failed_is_kept_and_sent_later(db_sessions, settings):
    port = free_port()
    down = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})
    with db_sessions() as session:
        enqueue(session, "hanako@example.jp", "件名 / Subject", "本文です。", "announcement", now=1)
        session.commit()
    assert deliver_outbox(db_sessions, down, timeout=2) == {"sent": 0, "failed": 1}
    with db_sessions() as session:
        mail = session.query(OutboxMail).one()
        assert mail.sent_at is None and mail.attempts == 1 and mail.last_error.startswith("connect")
    server = SmtpServer()
    try:
        up = settings.model_copy(update={"smtp_url": server.url})
        assert deliver_outbox(db_sessions, up) == {"sent": 1, "failed": 0}
        assert deliver_outbox(db_sessions, up) == {"sent": 0, "failed": 0}  # sent once only
        [message] = server.inbox.to("hanako@example.jp")
        assert message["Subject"] == "件名 / Subject" and message.get_content().strip() == "本文です。"
    finally:
        server.stop()
