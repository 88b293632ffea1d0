"""Set up the demo municipality on the local chain: the collection, a few cards and the campaign minter.

    .venv/bin/python tools/brownie_run.py scripts/demo.py   (on RESIDENT_RPC_URL's chain; `make run` calls
    main(history=True))

Idempotent: the collection and its minter are deployed once (their records are
reused while the chain keeps their code) and demo cards are issued only into an
empty collection. The minter is there so that staff can create campaigns from
the console at once; the backend's issuer key ($RESIDENT_ISSUER_KEY, else the
deployer) administers it and signs vouchers.

With history, the first run also issues a year of demo cards (backend/demo_history.py) into blocks with
their past times: the chain must start before that year (tools/run_local.py starts anvil with its genesis a
year back) and is brought back to the present afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from brownie import accounts, chain, web3
from eth_account import Account
from eth_utils import encode_hex, keccak

from backend import demo_history
from backend.chain.deployments import ROOT, load_collection_config, record_path
from backend.settings import Settings
from scripts.campaign import ensure_minter
from scripts.deploy import deployer, ensure_collection, on_settings_chain, records_root

DEMO_CONFIG = ROOT / "config" / "demo.yaml"
# The demo city's prefecture (its own soulbound collection, no demo cards): the backend links the two.
PREFECTURE_CONFIG = ROOT / "config" / "demo-prefecture.yaml"
BASIC, PREMIUM = 0, 1
YEAR = 365 * 86_400


@dataclass(frozen=True)
class DemoCard:
    token_id: int
    holder: str
    resident_number: int
    tier: int
    expires_at: int


def demo_holders():
    """The anvil accounts that receive demo cards (the first one administers)."""
    return list(accounts[1:4])


def issue_demo_cards(contract, issuer) -> bool:
    """Issues the demo cards into an empty collection; returns whether it issued any."""
    if contract.residentCount() > 0:
        return False
    one_year = int(time.time()) + YEAR  # the wall clock: the chain's may still be a year back
    first, second, third = demo_holders()
    contract.issue(first, PREMIUM, one_year, {"from": issuer})
    contract.issueBatch([second, third], BASIC, 0, {"from": issuer})
    return True


def _at(timestamp: int) -> None:
    """The next block's time (anvil)."""
    web3.provider.make_request("evm_setNextBlockTimestamp", [int(timestamp)])


def issue_history(contract, issuer, now: float | None = None) -> int:
    """Issues (and revokes) the demo history's cards, each transaction at its time in the past year; returns
    how many cards it issued, 0 when the chain is not a year back (a chain made without history)."""
    now = time.time() if now is None else now
    actions = demo_history.schedule(demo_history.history_start(now))
    if web3.eth.get_block("latest")["timestamp"] >= actions[0].at:
        print("  (no demo history: this chain did not start a year back)")
        return 0
    first_token = contract.residentCount() + 1
    tokens: dict[int, int] = {}
    issued = 0
    # Straight to the node (its accounts are unlocked), not through Brownie's transaction objects: a tenth of
    # the time per transaction. The card count below checks that every issue went through.
    send = {"from": issuer.address, "to": contract.address, "gas": 15_000_000}
    for action in actions:
        _at(action.at)
        if isinstance(action, demo_history.Issue):
            addresses = [demo_history.holder_address(n) for n in action.holders]
            web3.eth.send_transaction({**send, "data": contract.issueBatch.encode_input(
                addresses, action.tier, action.expires_at)})
            for n in action.holders:
                tokens[n] = first_token + issued
                issued += 1
        else:
            web3.eth.send_transaction({**send, "data": contract.revoke.encode_input(tokens[action.holder])})
    if contract.residentCount() != first_token - 1 + issued:
        raise RuntimeError(f"the demo history issued {contract.residentCount() - first_token + 1} of {issued} cards")
    _at(max(int(now), actions[-1].at + 1))  # back to the present: what follows happens now
    chain.mine()
    return issued


def demo_cards(contract, from_block: int, minted_to=None) -> list[DemoCard]:
    """Cards that exist now, found from the collection's mint events (ERC-721 has no index of tokens);
    `minted_to`: only those first issued to these addresses."""
    mint_topics = [encode_hex(keccak(text="Transfer(address,address,uint256)")), "0x" + "00" * 32]
    if minted_to is not None:
        mint_topics.append(["0x" + "00" * 12 + a[2:].lower() for a in minted_to])
    logs = web3.eth.get_logs({"address": contract.address, "fromBlock": from_block, "topics": mint_topics})
    cards = []
    for log in logs:
        token_id = int.from_bytes(log["topics"][3], "big")
        if not contract.isValid(token_id):
            continue
        data = contract.cardOf(token_id)
        cards.append(DemoCard(token_id, contract.ownerOf(token_id), data["residentNumber"], data["tier"], data["expiresAt"]))
    return cards


def ensure_demo_minter(symbol: str, admin):
    """The collection's minter (deployed and recorded as scripts/campaign.py does), with the backend's issuer
    allowed to run campaigns (admin role) and sign vouchers (VOUCHER_SIGNER_ROLE)."""
    minter, record, deployed_now = ensure_minter(symbol, admin)
    key = Settings().issuer_key
    issuer = Account.from_key(key.get_secret_value()).address if key is not None else admin.address
    for role in (minter.DEFAULT_ADMIN_ROLE(), minter.VOUCHER_SIGNER_ROLE()):
        if not minter.hasRole(role, issuer):
            minter.grantRole(role, issuer, {"from": admin})
    return minter, record, deployed_now


def follow_public_url(contract, config, admin, cards: list[DemoCard]) -> bool:
    """Points the collection's base URI at Settings.public_url when a resumed chain's cards name another (an
    earlier `make run` on another RESIDENT_API_PORT); returns whether it changed it."""
    wanted = config.base_uri_at(Settings().public_url)
    if not cards or not wanted or not contract.hasRole(contract.DEFAULT_ADMIN_ROLE(), admin):
        return False
    token_id = cards[0].token_id
    if contract.tokenURI(token_id) == f"{wanted}{token_id}":
        return False
    contract.setBaseURI(wanted, {"from": admin})
    return True


def main(history: bool = False):
    on_settings_chain()
    config = load_collection_config(DEMO_CONFIG)
    admin = deployer()
    contract, record, deployed_now = ensure_collection(config, admin)
    issued_now = issue_demo_cards(contract, admin)
    history_cards = issue_history(contract, admin) if issued_now and history else 0
    if follow_public_url(contract, config, admin, demo_cards(contract, record.deployment_block)):
        print(f"Base URI now {config.base_uri_at(Settings().public_url)} (the public URL changed)")
    minter, _, minter_now = ensure_demo_minter(record.symbol, admin)
    print()
    print(("Deployed" if deployed_now else "Reusing") +
          f" {config.collection.name} / {config.municipality.name_ja} ({record.symbol})")
    print(f"  contract  {record.address}  (chain {record.chain_id}, block {record.deployment_block})")
    print(f"  record    {record_path(record.chain_id, record.symbol, records_root())}")
    print(f"  admin     {admin.address}")
    print(f"  minter    {minter.address}  ({'deployed now' if minter_now else 'reused'}; campaigns from the console)")
    print(("Issued demo cards:" if issued_now else "Demo cards (already issued):"))
    for card in demo_cards(contract, record.deployment_block, [a.address for a in demo_holders()]):
        tier = "premium" if card.tier == PREMIUM else "basic"
        print(f"  #{card.token_id}  resident {card.resident_number:>3}  {tier:<7}  holder {card.holder}")
    if history_cards:
        print(f"  and {history_cards} cards of demo history over the past year (demo data, marked as such)")
    prefecture = load_collection_config(PREFECTURE_CONFIG)
    _, prefecture_record, prefecture_now = ensure_collection(prefecture, admin)
    print(("Deployed" if prefecture_now else "Reusing") + f" {prefecture.collection.name} / "
          f"{prefecture.municipality.name_ja} ({prefecture_record.symbol}) at {prefecture_record.address}")
    return contract
