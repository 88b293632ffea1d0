"""Announcements by tier, read/unread, and email through a REAL local SMTP server (aiosmtpd): a verified
address receives the news in correctly encoded Japanese; unverified and unsubscribed addresses do not."""

import re

import pytest

from tests.backend.access_setup import assert_error
from tests.backend.civic_setup import SmtpServer, holder_with_card, new_town


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, smtp):
    """The app of these tests mails through the local SMTP server."""
    return settings.model_copy(update={"smtp_url": smtp.url})


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    return new_town(chain_with_collection, client, app, sync_index)


def post_news(client, town, **overrides):
    body = {"collection_id": town.cid, "title_ja": "棚田オーナー募集", "title_en": "Rice terrace owners wanted",
            "body_ja": "今年も棚田オーナーを募集します。", "body_en": "We are looking for rice terrace owners again."}
    body.update(overrides)
    r = client.post(f"/staff/municipalities/{town.mid}/announcements", json=body, headers=town.staff)
    assert r.status_code == 201, r.text
    return r.json()


def titles(client, headers):
    return [a["title_en"] for a in client.get("/me/announcements", headers=headers).json()["announcements"]]


def test_news_reach_the_tiers_they_are_for(client, town, sync_index):
    _, basic, _ = holder_with_card(client, town, sync_index, tier=0)
    _, premium, _ = holder_with_card(client, town, sync_index, tier=1)
    post_news(client, town, title_en="Everyone")
    post_news(client, town, title_en="Premium only", min_tier=1)
    post_news(client, town, title_en="Basic only", max_tier=0)
    assert titles(client, basic) == ["Basic only", "Everyone"]
    assert titles(client, premium) == ["Premium only", "Everyone"]
    other_town = new_town(town.chain, client, client.app, sync_index, staff=town.staff)
    _, outsider, _ = holder_with_card(client, other_town, sync_index)
    assert titles(client, outsider) == []


def test_unread_until_marked_read(client, town, sync_index):
    _, headers, _ = holder_with_card(client, town, sync_index)
    news = post_news(client, town)
    mine = client.get("/me/announcements", headers=headers).json()
    assert mine["unread"] == 1 and mine["announcements"][0]["read"] is False
    after = client.post(f"/me/announcements/{news['id']}/read", headers=headers).json()
    assert after["unread"] == 0 and after["announcements"][0]["read"] is True
    again = client.post(f"/me/announcements/{news['id']}/read", headers=headers)
    assert again.status_code == 200
    _, stranger, _ = holder_with_card(client, new_town(town.chain, client, client.app, sync_index,
                                                       staff=town.staff), sync_index)
    assert_error(client.post(f"/me/announcements/{news['id']}/read", headers=stranger), 404, "announcement_not_found")


def verify_email(client, smtp, headers, address: str) -> None:
    r = client.put("/me/email", json={"email": address, "lang": "ja"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"enabled": True, "email": address, "lang": "ja", "verified": False, "unsubscribed": False}
    mails = smtp.inbox.to(address)
    assert len(mails) == 1
    code = re.search(r"確認コード: (\d{6})", mails[0].get_content()).group(1)
    assert_error(client.post("/me/email/verify", json={"code": "000000" if code != "000000" else "111111"},
                             headers=headers), 422, "email_code_wrong")
    r = client.post("/me/email/verify", json={"code": code}, headers=headers)
    assert r.status_code == 200 and r.json()["verified"] is True


def test_news_by_email_reach_verified_addresses_in_japanese(client, town, sync_index, smtp):
    _, verified, _ = holder_with_card(client, town, sync_index)
    _, unverified, _ = holder_with_card(client, town, sync_index)
    verify_email(client, smtp, verified, "taro@example.jp")
    r = client.put("/me/email", json={"email": "hanako@example.jp"}, headers=unverified)
    assert r.status_code == 200
    news = post_news(client, town, email=True)
    assert news["emails_queued"] == 1
    mails = smtp.inbox.to("taro@example.jp")
    assert len(mails) == 2  # the code, then the news
    message = mails[-1]
    assert message["Subject"] == "棚田オーナー募集 / Rice terrace owners wanted"
    assert message.get_content_charset() == "utf-8"
    text = message.get_content()
    assert "今年も棚田オーナーを募集します。" in text and "rice terrace owners again" in text
    assert "/email/unsubscribe?address=" in text
    assert len(smtp.inbox.to("hanako@example.jp")) == 1  # only the verification code


def test_an_unsubscribe_link_stops_mail(client, town, sync_index, smtp):
    _, headers, _ = holder_with_card(client, town, sync_index)
    verify_email(client, smtp, headers, "jiro@example.jp")
    post_news(client, town, email=True)
    link = re.search(r"(/email/unsubscribe\?\S+)", smtp.inbox.to("jiro@example.jp")[-1].get_content()).group(1)
    forged = re.sub(r"token=\w+", "token=" + "0" * 32, link)
    assert_error(client.get(forged), 403, "unsubscribe_link_invalid")
    page = client.get(link)
    assert page.status_code == 200 and "配信停止" in page.text
    assert client.get("/me/email", headers=headers).json()["unsubscribed"] is True
    assert post_news(client, town, email=True)["emails_queued"] == 0
    assert len(smtp.inbox.to("jiro@example.jp")) == 2


def test_email_input_is_checked(client, town, sync_index):
    _, headers, _ = holder_with_card(client, town, sync_index)
    assert_error(client.put("/me/email", json={"email": "not an address"}, headers=headers), 422, "email_invalid")
    assert_error(client.post("/me/email/verify", json={"code": "123456"}, headers=headers), 404, "email_not_pending")
    assert client.put("/me/email", json={"email": "saburo@example.jp"}, headers=headers).status_code == 200
    for _ in range(5):
        assert_error(client.post("/me/email/verify", json={"code": "abcdef"}, headers=headers), 422, "email_code_wrong")
    assert_error(client.post("/me/email/verify", json={"code": "abcdef"}, headers=headers), 410, "email_code_expired")
    assert client.put("/me/email", json={"email": "saburo@example.jp"}, headers=headers).status_code == 200
    for typed in ("１２３４５６", "確認コード", "0\x9e1²"):  # a code in any script is just wrong, not a crash
        assert_error(client.post("/me/email/verify", json={"code": typed}, headers=headers), 422, "email_code_wrong")
    r = client.delete("/me/email", headers=headers)
    assert r.status_code == 200 and r.json()["email"] is None
