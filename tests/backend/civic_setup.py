"""Helpers for civic tests: a fresh town (its own municipality and collection on anvil), polls, signed votes,
a real SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import json
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from eth_utils import encode_hex

from tests.backend.access_setup import bearer, sign_in
from tests.backend.localchain import free_port
from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers

_towns = iter(range(1, 10**6))


@dataclass
class Town:
    chain: object
    col: object  # DeployedCollection
    mid: int
    cid: int
    staff: dict  # staff (superuser) headers


def new_town(chain, client, app, sync_index, *, staff: dict | None = None, soulbound: bool = False) -> Town:
    """A collection deployed for this test alone, under its own municipality, registered and indexed."""
    n = next(_towns)
    stamp = chain.web3.eth.block_number
    col = chain.deploy(f"CIV{stamp % 10**6}X{n}"[:11], soulbound=soulbound, name_ja=f"市民町{stamp}-{n}",
                       name_en=f"Civic Town {stamp}-{n}")
    for _ in range(20):  # the indexer thread may be mid-round, about to mark records as just scanned
        app.state.services.indexer.indexer._registered_at = 0  # register the new record at the next poll
        sync_index()
        mid, cid = municipality_id_of(app, col), collection_id_of(app, col)
        if mid and cid:
            break
        time.sleep(0.05)
    assert mid and cid, "the new collection was not registered"
    return Town(chain, col, mid, cid, staff or staff_headers(client, app, f"staff{n}"))


def holder_with_card(client, town: Town, sync_index, *, tier: int = 0, cards: int = 1):
    """A fresh wallet holding `cards` cards of the town, signed in: (account, headers, [token ids])."""
    account = town.chain.new_holder()
    tokens = [town.col.issue(account.address, tier=tier) for _ in range(cards)]
    sync_index()
    signed = sign_in(client, account)
    assert signed.status_code == 200, signed.text
    return account, bearer(signed.json()["token"]), tokens


def poll_body(town: Town, **overrides) -> dict:
    now = int(time.time())
    body = {
        "collection_id": town.cid, "title_ja": "来年度の予算の使い道", "title_en": "How to spend next year's budget",
        "description_ja": "住民の皆さまのご意見をお聞かせください。", "description_en": "Tell us what you think.",
        "opens_at": now - 60, "closes_at": now + 3600,
        "questions": [
            {"kind": "single", "text_ja": "最優先の事業は？", "text_en": "Top priority?",
             "options": [{"ja": "観光", "en": "Tourism"}, {"ja": "子育て", "en": "Childcare"},
                         {"ja": "防災", "en": "Disaster readiness"}]},
            {"kind": "multiple", "text_ja": "参加したい行事（2つまで）", "text_en": "Events you'd join (up to 2)",
             "options": [{"ja": "祭り", "en": "Festival"}, {"ja": "清掃", "en": "Clean-up"},
                         {"ja": "棚田", "en": "Rice terraces"}], "min_choices": 1, "max_choices": 2},
            {"kind": "text", "text_ja": "ご意見", "text_en": "Comments", "required": False},
        ],
    }
    body.update(overrides)
    return body


def create_poll(client, town: Town, **overrides) -> dict:
    r = client.post(f"/staff/municipalities/{town.mid}/polls", json=poll_body(town, **overrides), headers=town.staff)
    assert r.status_code == 201, r.text
    return r.json()


def answers_for(poll: dict, single: int = 0, multiple=(0,), text: str = "") -> dict:
    q = poll["questions"]
    out = {str(q[0]["id"]): [single], str(q[1]["id"]): list(multiple)}
    if len(q) > 2:
        out[str(q[2]["id"])] = text
    return out


def typed_ballot(client, headers, poll_id: int, token_id: int, answers: dict):
    return client.get(f"/polls/{poll_id}/ballot", params={"card": token_id, "answers": json.dumps(answers)},
                      headers=headers)


def sign_typed(account, typed: dict) -> str:
    return encode_hex(account.sign_typed_data(full_message=typed).signature)


def vote(client, account, headers, poll_id: int, token_id: int, answers: dict):
    """What the web app does: fetch the typed data, sign it in the wallet, send the ballot."""
    r = typed_ballot(client, headers, poll_id, token_id, answers)
    assert r.status_code == 200, r.text
    signature = sign_typed(account, r.json()["typed_data"])
    return client.post(f"/polls/{poll_id}/ballots", headers=headers,
                       json={"card": token_id, "answers": answers, "signature": signature})


# --- a real SMTP server ---------------------------------------------------------------------------------
@dataclass
class Inbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def parsed(self):
        return [(to, email.message_from_bytes(raw, policy=email.policy.default)) for to, raw in self.messages]

    def to(self, address: str):
        return [m for to, m in self.parsed() if address in to]


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.controller.stop()
