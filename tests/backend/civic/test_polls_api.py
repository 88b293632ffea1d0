"""Polls end to end over HTTP on anvil and the real index: staff create a poll, holders sign EIP-712 ballots
in their wallet (eth-account keys), every refusal, results, turnout and the CSV."""

import csv
import io

import pytest
from eth_account import Account

from tests.backend.access_setup import assert_error, deploy_wallet, new_nonce, sign_in, siwe_text
from tests.backend.viem_setup import SALT, counterfactual_signature, deploy, factory_contract
from backend.staff.kpis import municipality_kpis
from tests.backend.civic_setup import (answers_for, create_poll, holder_with_card, new_town, poll_body, sign_typed, typed_ballot,
                         vote)


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    return new_town(chain_with_collection, client, app, sync_index)


def test_a_holder_votes_once_and_a_second_ballot_is_refused(client, town, sync_index):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    answers = answers_for(poll, single=1, multiple=(0, 2), text="棚田を守りたい")
    first = vote(client, account, headers, poll["id"], token, answers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["voter"] == account.address and body["token_id"] == token
    assert body["typed_data"]["domain"]["verifyingContract"] == town.col.address
    assert body["typed_data"]["message"]["expiresAt"] == poll["closes_at"]

    again = vote(client, account, headers, poll["id"], token, answers_for(poll, single=0))
    assert_error(again, 409, "already_voted")
    mine = client.get("/me/polls", headers=headers).json()
    assert [(p["poll"]["id"], p["cards"][0]["voted"]) for p in mine] == [(poll["id"], True)]


def test_the_typed_data_binds_chain_contract_poll_card_answers_and_close_time(client, town, sync_index, settings):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    answers = answers_for(poll, single=2, multiple=(1,))
    typed = typed_ballot(client, headers, poll["id"], token, answers).json()
    data = typed["typed_data"]
    assert data["primaryType"] == "Ballot"
    assert data["domain"] == {"name": "ResidentPoll", "version": "1", "chainId": settings.chain_id,
                              "verifyingContract": town.col.address}
    assert data["message"] == {"pollId": poll["id"], "cardId": token, "answersHash": typed["answers_hash"],
                               "expiresAt": poll["closes_at"]}


def test_a_ballot_signed_for_other_answers_is_refused(client, town, sync_index):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    signed_for = typed_ballot(client, headers, poll["id"], token, answers_for(poll, single=0)).json()["typed_data"]
    r = client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                    json={"card": token, "answers": answers_for(poll, single=1), "signature": sign_typed(account, signed_for)})
    assert_error(r, 422, "bad_signature")


def test_a_ballot_signed_for_another_chain_or_by_another_key_is_refused(client, town, sync_index):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    answers = answers_for(poll)
    data = typed_ballot(client, headers, poll["id"], token, answers).json()["typed_data"]
    other_chain = dict(data, domain=dict(data["domain"], chainId=1))
    for signature in (sign_typed(account, other_chain), sign_typed(Account.create(), data), "0x1234", "zz"):
        r = client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                        json={"card": token, "answers": answers, "signature": signature})
        assert_error(r, 422, "bad_signature")
    assert client.get(f"/polls/{poll['id']}/receipts").json() == []


def test_voting_after_close_is_refused_and_the_ballot_cannot_change(client, app, town, sync_index):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    assert vote(client, account, headers, poll["id"], token, answers_for(poll, single=0)).status_code == 201
    data = typed_ballot(client, headers, poll["id"], token, answers_for(poll, single=1)).json()["typed_data"]
    app.state.services.clock = lambda: poll["closes_at"]  # the closing second itself is after close
    r = client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                    json={"card": token, "answers": answers_for(poll, single=1), "signature": sign_typed(account, data)})
    body = assert_error(r, 409, "poll_closed")
    assert "closed" in body["message_en"] and "締め切" in body["message_ja"]
    assert_error(typed_ballot(client, headers, poll["id"], token, answers_for(poll)), 409, "poll_closed")
    receipts = client.get(f"/polls/{poll['id']}/receipts").json()
    assert len(receipts) == 1 and receipts[0]["answers_hash"] != data["message"]["answersHash"]


def test_voting_before_open_is_refused(client, app, town, sync_index):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    data = typed_ballot(client, headers, poll["id"], token, answers_for(poll)).json()["typed_data"]
    app.state.services.clock = lambda: poll["opens_at"] - 1
    r = client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                    json={"card": token, "answers": answers_for(poll), "signature": sign_typed(account, data)})
    assert_error(r, 409, "poll_not_open")


def test_a_wallet_without_a_valid_card_is_not_eligible(client, town, sync_index):
    poll = create_poll(client, town)
    holder, holder_headers, [token] = holder_with_card(client, town, sync_index)
    stranger, stranger_headers, _ = holder_with_card(client, new_town(town.chain, client, client.app, sync_index,
                                                                      staff=town.staff), sync_index)
    # the stranger signs a ballot for the holder's card: the index says the card is not theirs
    data = typed_ballot(client, holder_headers, poll["id"], token, answers_for(poll)).json()["typed_data"]
    r = client.post(f"/polls/{poll['id']}/ballots", headers=stranger_headers,
                    json={"card": token, "answers": answers_for(poll), "signature": sign_typed(stranger, data)})
    assert_error(r, 403, "not_your_card")
    # a revoked card may not vote
    town.col.revoke(token)
    sync_index()
    r = vote_raw(client, holder, holder_headers, poll, token, data)
    body = assert_error(r, 403, "not_eligible_card_invalid")
    assert body["reason"] == "revoked"
    assert_error(typed_ballot(client, holder_headers, poll["id"], 999_999, answers_for(poll)), 404, "card_not_found")


def vote_raw(client, account, headers, poll, token, data):
    return client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                       json={"card": token, "answers": answers_for(poll), "signature": sign_typed(account, data)})


def test_a_card_that_moved_votes_only_from_its_new_wallet_and_only_once(client, town, sync_index):
    poll = create_poll(client, town)
    seller, seller_headers, [token] = holder_with_card(client, town, sync_index)
    assert vote(client, seller, seller_headers, poll["id"], token, answers_for(poll)).status_code == 201
    buyer = town.chain.new_holder()
    town.col.transfer(token, buyer.address)
    sync_index()
    buyer_headers = {"Authorization": "Bearer " + sign_in(client, buyer).json()["token"]}
    assert_error(vote(client, buyer, buyer_headers, poll["id"], token, answers_for(poll)), 409, "already_voted")


def test_a_premium_poll_refuses_basic_cards(client, town, sync_index):
    poll = create_poll(client, town, min_tier=1)
    basic, basic_headers, [basic_token] = holder_with_card(client, town, sync_index, tier=0)
    premium, premium_headers, [premium_token] = holder_with_card(client, town, sync_index, tier=1)
    body = assert_error(typed_ballot(client, basic_headers, poll["id"], basic_token, answers_for(poll)), 403,
                        "not_eligible_tier")
    assert body["min_tier"] == 1 and "プレミアム" in body["message_ja"]
    mine = client.get("/me/polls", headers=basic_headers).json()[0]["cards"][0]
    assert mine["eligible"] is False and mine["reason_code"] == "not_eligible_tier"
    assert vote(client, premium, premium_headers, poll["id"], premium_token, answers_for(poll)).status_code == 201


def test_answers_that_do_not_fit_are_refused(client, town, sync_index):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    bad = answers_for(poll, multiple=(0, 1, 2))
    body = assert_error(typed_ballot(client, headers, poll["id"], token, bad), 422, "answers_invalid")
    assert "Q2" in body["message_en"]
    r = client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                    json={"card": token, "answers": bad, "signature": "0x" + "11" * 65})
    assert_error(r, 422, "answers_invalid")
    assert_error(client.get(f"/polls/{poll['id']}/ballot", params={"card": token, "answers": "{not json"},
                            headers=headers), 422, "answers_invalid")


def test_one_vote_per_card_lets_a_holder_of_two_cards_vote_twice(client, town, sync_index):
    poll = create_poll(client, town, one_vote_per="card")
    account, headers, tokens = holder_with_card(client, town, sync_index, cards=2)
    for token in tokens:
        assert vote(client, account, headers, poll["id"], token, answers_for(poll)).status_code == 201


def test_one_vote_per_person_counts_the_person_not_the_cards(client, app, town, sync_index):
    poll = create_poll(client, town, one_vote_per="person")
    account, headers, tokens = holder_with_card(client, town, sync_index, cards=2)
    unverified, unverified_headers, [other] = holder_with_card(client, town, sync_index)
    # The identity module's lookup (wired by the lead) is a function of (session, address).
    app.state.services.nullifier_of = lambda session, address: "nullifier-of-alice" if address == account.address else None
    assert vote(client, account, headers, poll["id"], tokens[0], answers_for(poll)).status_code == 201
    assert_error(vote(client, account, headers, poll["id"], tokens[1], answers_for(poll)), 409, "already_voted_person")
    assert_error(vote(client, unverified, unverified_headers, poll["id"], other, answers_for(poll)), 403,
                 "not_verified")
    # a second wallet of the same verified person is the same person
    second_wallet, second_headers, [third] = holder_with_card(client, town, sync_index)
    app.state.services.nullifier_of = lambda session, address: "nullifier-of-alice"
    assert_error(vote(client, second_wallet, second_headers, poll["id"], third, answers_for(poll)), 409,
                 "already_voted_person")


def test_a_contract_wallet_votes_with_erc1271(client, town, sync_index):
    poll = create_poll(client, town)
    owner = town.chain.new_holder()
    wallet = deploy_wallet(town.chain, owner.address)
    token = town.col.issue(owner.address)
    town.col.transfer(token, wallet)  # a plain transfer: the test wallet has no onERC721Received
    sync_index()
    signed = sign_in(client, owner, address=wallet)
    assert signed.status_code == 200, signed.text
    headers = {"Authorization": "Bearer " + signed.json()["token"]}
    r = vote(client, owner, headers, poll["id"], token, answers_for(poll))
    assert r.status_code == 201, r.text
    assert r.json()["voter"] == wallet


def test_an_undeployed_smart_account_signs_in_and_votes_with_erc6492(client, town, sync_index):
    """Sign-in and ballot signed by viem for a wallet a real factory has not deployed yet (ERC-6492)."""
    factory = factory_contract(town.chain, deploy(town.chain, "ERC1271WalletFactory"))
    owner = town.chain.new_holder()  # pays the transfer to its wallet
    wallet = factory.functions.addressOf(owner.address, bytes.fromhex(SALT[2:])).call()
    poll = create_poll(client, town)
    token = town.col.issue(owner.address)
    town.col.transfer(token, wallet)  # a card can be sent to the counterfactual address before it exists
    sync_index()
    text = siwe_text(wallet, new_nonce(client))
    _, signed_text = counterfactual_signature(factory, owner, {"op": "signMessage", "message": text})
    signed = client.post("/auth/siwe", json={"message": text, "signature": signed_text})
    assert signed.status_code == 200, signed.text
    headers = {"Authorization": "Bearer " + signed.json()["token"]}
    typed = typed_ballot(client, headers, poll["id"], token, answers_for(poll)).json()["typed_data"]
    _, signature = counterfactual_signature(factory, owner, {"op": "signTypedData", "typedData": typed})
    r = client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                    json={"card": token, "answers": answers_for(poll), "signature": signature})
    assert r.status_code == 201, r.text
    assert r.json()["voter"] == wallet
    assert town.chain.web3.eth.get_code(wallet) == b""  # verified by eth_call only


def test_results_turnout_and_csv(client, town, sync_index):
    poll = create_poll(client, town)
    voters = [holder_with_card(client, town, sync_index) for _ in range(3)]
    holder_with_card(client, town, sync_index)  # eligible, does not vote
    picks = [(0, (0,), "=HYPERLINK(\"http://evil\")"), (1, (0, 2), "棚田を守りたい"), (1, (2,), "")]
    for (account, headers, [token]), (single, multiple, text) in zip(voters, picks):
        r = vote(client, account, headers, poll["id"], token, answers_for(poll, single, multiple, text))
        assert r.status_code == 201, r.text

    results = client.get(f"/staff/polls/{poll['id']}/results", headers=town.staff).json()
    assert (results["voters"], results["eligible"], results["turnout"]) == (3, 4, 0.75)
    q1, q2, q3 = results["questions"]
    assert [o["votes"] for o in q1["options"]] == [1, 2, 0]
    assert [o["votes"] for o in q2["options"]] == [2, 0, 2]
    assert sorted(q3["answers"]) == sorted(['=HYPERLINK("http://evil")', "棚田を守りたい"])

    assert_error(client.get(f"/polls/{poll['id']}/results"), 409, "poll_not_closed")
    client.app.state.services.clock = lambda: poll["closes_at"] + 1
    public = client.get(f"/polls/{poll['id']}/results").json()
    assert public["status"] == "closed" and "answers" not in public["questions"][2]

    r = client.get(f"/staff/polls/{poll['id']}/results.csv", headers=town.staff)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["投票日時（日本時間）", "トークンID", "住民番号", "ランク", "投票者アドレス"]
    assert rows[0][5] == "Q1 最優先の事業は？"
    assert len(rows) == 4
    assert rows[1][5] == "観光" and rows[2][6] == "祭り / 棚田"
    assert rows[1][7] == "'=HYPERLINK(\"http://evil\")"  # defused formula


def test_turnout_kpi(client, town, sync_index):
    poll = create_poll(client, town)
    account, headers, [token] = holder_with_card(client, town, sync_index)
    holder_with_card(client, town, sync_index)
    assert vote(client, account, headers, poll["id"], token, answers_for(poll)).status_code == 201
    kpis = client.get(f"/staff/municipalities/{town.mid}/civic-kpis", headers=town.staff).json()
    assert kpis["polls"] == [{"poll_id": poll["id"], "title_ja": poll["title_ja"], "title_en": poll["title_en"],
                              "status": "open", "voters": 1, "eligible": 2, "turnout": 0.5}]
    # The staff KPIs count a poll's turnout once it has closed, over the last year.
    programme = client.get(f"/staff/municipalities/{town.mid}/kpis", headers=town.staff).json()["programme"]
    assert (programme["polls_closed_365d"], programme["turnout_last_poll"]) == (0, None)
    with client.app.state.services.session_factory() as db:
        closed = municipality_kpis(db, town.mid, now=poll["closes_at"] + 1)["programme"]
        later = municipality_kpis(db, town.mid, now=poll["closes_at"] + 366 * 86400)["programme"]
    assert (closed["polls_closed_365d"], closed["turnout_last_poll"], closed["turnout_average_365d"]) == (1, 0.5, 0.5)
    assert (later["polls_closed_365d"], later["turnout_average_365d"]) == (0, None)


def test_staff_input_is_checked(client, town):
    url = f"/staff/municipalities/{town.mid}/polls"
    cases = [
        (poll_body(town, closes_at=poll_body(town)["opens_at"]), 422, "poll_window_invalid"),
        (poll_body(town, questions=[{"kind": "single", "text_ja": "問", "text_en": "Q",
                                     "options": [{"ja": "A", "en": "A"}]}]), 422, "poll_question_invalid"),
        (poll_body(town, questions=[{"kind": "multiple", "text_ja": "問", "text_en": "Q", "min_choices": 3,
                                     "max_choices": 2, "options": [{"ja": "A", "en": "A"}, {"ja": "B", "en": "B"}]}]),
         422, "poll_question_invalid"),
        (poll_body(town, collection_id=town.cid + 10_000), 404, "collection_not_found"),
        (poll_body(town, one_vote_per="wallet"), 422, "invalid_request"),
    ]
    for body, status, code in cases:
        assert_error(client.post(url, json=body, headers=town.staff), status, code)
    client.cookies.clear()  # the staff login also set a cookie
    assert_error(client.post(url, json=poll_body(town)), 401, "not_signed_in")


def test_concurrent_ballots_count_once_per_card_and_per_person(client, app, town, sync_index):
    """Ballots racing each other: the UNIQUE constraints, not a read-then-write check, decide."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.backend.civic_setup import typed_ballot

    per_card = create_poll(client, town)
    per_person = create_poll(client, town, one_vote_per="person")
    account, headers, tokens = holder_with_card(client, town, sync_index, cards=2)
    app.state.services.nullifier_of = lambda session, address: "nullifier-of-the-racer"

    def signed(poll, token):
        answers = answers_for(poll)
        data = typed_ballot(client, headers, poll["id"], token, answers).json()["typed_data"]
        return {"card": token, "answers": answers, "signature": sign_typed(account, data)}

    same_card = [signed(per_card, tokens[0])] * 6
    two_cards = [signed(per_person, tokens[0]), signed(per_person, tokens[1])] * 3
    with ThreadPoolExecutor(12) as pool:
        card_codes = list(pool.map(lambda b: client.post(f"/polls/{per_card['id']}/ballots", json=b,
                                                          headers=headers).status_code, same_card))
        person_codes = list(pool.map(lambda b: client.post(f"/polls/{per_person['id']}/ballots", json=b,
                                                            headers=headers).status_code, two_cards))
    assert sorted(card_codes) == [201] + [409] * 5
    assert sorted(person_codes) == [201] + [409] * 5
    assert len(client.get(f"/polls/{per_card['id']}/receipts").json()) == 1
    assert len(client.get(f"/polls/{per_person['id']}/receipts").json()) == 1
