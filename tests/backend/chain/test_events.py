"""backend/chain/events.py: topics from the ABI are what the contract emits on anvil, and the one decoder
per event (generic and raw) reads what web3's own decoder reads."""

from __future__ import annotations

import time

from eth_utils import keccak, to_checksum_address
from web3.logs import DISCARD

from backend.chain.client import Chain
from backend.chain.events import ZERO_ADDRESS, Events, card_events, issued_token_ids, minter_events

CARD_SIGNATURES = {
    "Transfer": "Transfer(address,address,uint256)",
    "CardsIssued": "CardsIssued(uint256,uint256,uint256,uint256,uint256,bool)",
    "CardReissued": "CardReissued(uint256,uint256,uint256,address,address)",
    "CardRevoked": "CardRevoked(uint256,uint256,address,address)",
    "TierChanged": "TierChanged(uint256,uint256,uint256)",
    "Locked": "Locked(uint256)",
}


def test_topics_are_keccak_of_the_canonical_signature():
    events = card_events()
    for name, signature in CARD_SIGNATURES.items():
        assert events[name].topic == "0x" + keccak(text=signature).hex()
    # a tuple argument is spelt out as its components
    created = minter_events()["CampaignCreated"]
    components = ",".join(c["type"] for c in created.abi["inputs"][1]["components"])
    assert created.topic == "0x" + keccak(text=f"CampaignCreated(uint256,({components}))").hex()


def _card_logs(local, deployed, *receipts) -> list[dict]:
    """The collection's raw logs (as eth_getLogs answers) in the blocks of `receipts`."""
    first = min(r["blockNumber"] for r in receipts)
    last = max(r["blockNumber"] for r in receipts)
    return Chain(local.rpc_url).logs([deployed.address], first, last)


def test_topics_equal_what_the_contract_emits(chain_with_collection):
    local, deployed = chain_with_collection, chain_with_collection.collection
    holder, other = local.new_holder().address, local.new_holder().address
    token_id = deployed.issue(holder, tier=0)
    receipts = [local.send(deployed.contract.functions.setTier(token_id, 1), local.admin),
                local.send(deployed.contract.functions.reissue(token_id, other), local.admin)]
    issued = local.send(deployed.contract.functions.issueBatch([local.new_holder().address], 0, 0), local.admin)
    logs = _card_logs(local, deployed, *receipts, issued)
    events = card_events()
    emitted = {events.of(log).name for log in logs if events.of(log)}
    assert {"Transfer", "TierChanged", "CardReissued", "CardsIssued"} <= emitted
    # every topic the card emitted is one the ABI derives (nothing the decoder cannot name)
    assert all(events.of(log) is not None for log in logs)
    # and web3's decoder, given the same ABI, finds the same events in the same logs
    web3_issued = deployed.contract.events.CardsIssued().process_receipt(issued, errors=DISCARD)
    ours = events.decode_all("CardsIssued", [dict(log) for log in issued["logs"]], deployed.address)
    assert [dict(e["args"]) for e in web3_issued] == ours


def test_raw_and_generic_decoders_agree_with_web3(chain_with_collection):
    local, deployed = chain_with_collection, chain_with_collection.collection
    holders = [local.new_holder().address for _ in range(3)]
    receipt = local.send(deployed.contract.functions.issueBatch(holders, 1, 4_000_000_000), local.admin)
    revoked = local.send(deployed.contract.functions.revoke(deployed.issue(local.new_holder().address)), local.admin)
    events = card_events()
    for mined in (receipt, revoked):
        raw_logs = _card_logs(local, deployed, mined)
        by_web3 = {}
        for name in ("Transfer", "CardsIssued", "CardRevoked"):
            for decoded in getattr(deployed.contract.events, name)().process_receipt(mined, errors=DISCARD):
                by_web3[decoded["logIndex"]] = dict(decoded["args"])
        mine = {int(log["logIndex"], 16): log for log in raw_logs if log["transactionHash"] == mined["transactionHash"].to_0x_hex()}
        assert set(by_web3) <= set(mine)
        for index, expected in by_web3.items():
            event = events.of(mine[index])
            assert event.decode_raw(mine[index]) == expected
            assert event.decode(mine[index]) == expected
    first = events["CardsIssued"].decode_raw(next(log for log in _card_logs(local, deployed, receipt)
                                                    if events.of(log).name == "CardsIssued"))
    assert first["count"] == 3 and first["tier"] == 1 and first["expiresAt"] == 4_000_000_000


def test_issued_token_ids_reads_a_receipt(chain_with_collection):
    local, deployed = chain_with_collection, chain_with_collection.collection
    holders = [local.new_holder().address for _ in range(4)]
    receipt = local.send(deployed.contract.functions.issueBatch(holders, 0, 0), local.admin)
    first = deployed.contract.events.CardsIssued().process_receipt(receipt, errors=DISCARD)[0]["args"]["firstTokenId"]
    raw = Chain(local.rpc_url).receipt(receipt["transactionHash"].to_0x_hex())
    assert issued_token_ids(raw.logs, deployed.address) == list(range(first, first + 4))
    # another contract's logs are not this collection's cards
    assert issued_token_ids(raw.logs, chain_with_collection.soulbound_collection.address) == []


def test_erc20_style_transfer_is_not_a_card():
    transfer = card_events()["Transfer"]
    log = {"topics": [transfer.topic, "0x" + "00" * 32, "0x" + "00" * 12 + "11" * 20],
           "data": "0x" + f"{5:064x}"}
    assert transfer.decode_raw(log) is None
    mint = {"topics": [*log["topics"], "0x" + f"{7:064x}"], "data": "0x"}
    assert transfer.decode_raw(mint) == {"from": ZERO_ADDRESS, "to": to_checksum_address("0x" + "11" * 20), "id": 7}


def test_events_of_a_record_abi():
    abi = [{"type": "event", "name": "Ping", "anonymous": False,
            "inputs": [{"name": "who", "type": "address", "indexed": True},
                       {"name": "note", "type": "string", "indexed": False}]}]
    ping = Events.for_abi(abi)["Ping"]
    assert ping.topic == "0x" + keccak(text="Ping(address,string)").hex()
    assert not ping.fast  # a string is longer than a word: only decode() reads it


def test_raw_decoder_keeps_up_with_twenty_thousand_logs():
    issued = card_events()["CardsIssued"]
    words = "".join(f"{v:064x}" for v in (10, 5, 1, 0, 1))
    logs = [{"topics": [issued.topic, f"0x{i:064x}"], "data": "0x" + words} for i in range(20_000)]
    started = time.perf_counter()
    decoded = [issued.decode_raw(log) for log in logs]
    assert decoded[-1] == {"firstTokenId": 19_999, "count": 10, "firstResidentNumber": 5, "tier": 1,
                           "expiresAt": 0, "locked": True}
    assert time.perf_counter() - started < 2.0  # ~0.1 s idle; the indexer's budget for a poll is seconds
