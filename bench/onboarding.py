"""Onboarding without a wallet: what a passkey resident account costs to make, to claim with, to sign in with.

    brownie compile && python bench/onboarding.py [--json FILE]

On fresh anvil chains, from Brownie's build/contracts:
- the gas of a passkey account made as an EIP-1167 clone (`createAccount`, what the municipality pays per
  resident) beside a full deployment of the same ResidentAccount code; target ≤ 150,000 gas;
- a sponsored claim (`claimFor`, sent and paid by the relayer) whose request the passkey account signed
  (ERC-7739 TypedDataSign in a WebAuthn assertion, checked by the minter through ERC-1271 and OpenZeppelin's
  WebAuthn + P256), against a direct claim by a wallet paying for itself. With the P-256 precompile
  (anvil `--hardfork osaka`: EIP-7951 at 0x100) the target is ≤ 1.35×; without it (cancun: OpenZeppelin's
  Solidity fallback) the figure is reported, not judged;
- passkey sign-in verification: backend/chain/signatures.py's `verify_hash` of a sign-in message signed by
  the account, p50 over ROUNDS, before deployment (ERC-6492, the validator simulates the factory) and after
  (ERC-1271); target p50 ≤ 50 ms with the precompile.
The passkey is a software authenticator (tests/backend/auth/softkey.py: a real P-256 key, authenticator data
and client data per the WebAuthn spec). Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.campaign import anvil_chain  # noqa: E402
from bench.tables import grid  # noqa: E402

CLONE_TARGET = 150_000
CLAIM_RATIO_TARGET = 1.35
SIGN_IN_P50_TARGET_MS = 50.0
ROUNDS = 20
ZERO = "0x" + "00" * 20


def artifact(name: str) -> dict:
    path = ROOT / "build" / "contracts" / f"{name}.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `brownie compile` first")
    return json.loads(path.read_text())


class Chain:
    """The contracts of one anvil chain, deployed from its first (unlocked) account."""

    def __init__(self, url: str) -> None:
        from web3 import Web3

        from backend.chain.client import Chain as BackendChain

        self.url = url
        self.w3 = Web3(Web3.HTTPProvider(url))
        self.backend = BackendChain(url)
        self.sender = self.w3.eth.accounts[0]

    def deploy(self, name: str, *args):
        build = artifact(name)
        contract = self.w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
        receipt = self.send(contract.constructor(*args))
        return self.w3.eth.contract(address=receipt.contractAddress, abi=build["abi"]), receipt.gasUsed

    def send(self, call, sender: str | None = None):
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender or self.sender}))
        if receipt.status != 1:
            raise SystemExit(f"a bench transaction reverted: {receipt.transactionHash.hex()}")
        return receipt

    def has_p256_precompile(self) -> bool:
        """The Wycheproof vector OpenZeppelin's P256 uses to detect the precompile."""
        data = bytes.fromhex(
            "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023" + "00" * 31 + "05" + "00" * 31 + "01"
            "a71af64de5126a4a4e02b7922d66ce9415ce88a4c9d25514d91082c8725ac957"
            "5d47723c8fbe580bb369fec9c2665d8e30a435b9932645482e7c9f11e872296b")
        return bytes(self.w3.eth.call({"to": "0x" + "00" * 18 + "0100", "data": "0x" + data.hex()})) == \
            (1).to_bytes(32, "big")


def deployments(chain: Chain) -> dict:
    factory, factory_gas = chain.deploy("ResidentAccountFactory")
    _, full_gas = chain.deploy("ResidentAccount")
    return {"factory": factory, "factory_deploy_gas": factory_gas, "full_deploy_gas": full_gas}


def new_passkey(chain: Chain, factory):
    from tests.backend.auth.softkey import SoftKey

    key = SoftKey()
    return key, factory.functions.predictAddress(*key.xy).call()


def signed(key, to_sign) -> bytes:
    from backend.auth import passkey_signing
    from tests.backend.auth.softkey import b64url

    return passkey_signing.from_assertion(key.assert_({"challenge": b64url(to_sign.challenge)})["response"], to_sign)


def claims(chain: Chain, factory) -> dict:
    """Direct claim vs sponsored claim signed by a (deployed) passkey account: max gas over ROUNDS each."""
    from backend.auth import passkey_signing
    from backend.campaigns import claim_requests
    from backend.campaigns.vouchers import domain_of
    from backend.chain.deployments import load_collection_config
    from eth_account import Account

    config = load_collection_config(ROOT / "config" / "demo.yaml")
    card, _ = chain.deploy("ResidentCard", config.constructor_args(chain.sender, "http://localhost:8000"))
    minter, _ = chain.deploy("ResidentMinter", card.address, chain.sender, ZERO)
    chain.send(card.functions.setMinter(minter.address))
    now = chain.w3.eth.get_block("latest").timestamp
    settings = (now - 60, now + 30 * 86_400, 0, 10_000, 1, 0, 0, 0, b"\0" * 32, False, False)
    chain.send(minter.functions.createCampaign(settings))
    campaign_id = 1
    domain = domain_of(minter)

    def direct() -> int:
        holder = Account.create().address
        chain.w3.provider.make_request("anvil_setBalance", [holder, hex(10**18)])
        chain.w3.provider.make_request("anvil_impersonateAccount", [holder])
        return chain.send(minter.functions.claim(campaign_id, 1, [], claim_requests.CAMPAIGN_PRICE, 0),
                          holder).gasUsed

    creates = []

    def passkey_sponsored(nesting: str) -> int:
        key, account = new_passkey(chain, factory)
        creates.append(chain.send(factory.functions.createAccount(*key.xy)).gasUsed)  # the municipality pays
        request = claim_requests.ClaimRequest(recipient=account, campaign_id=campaign_id, quantity=1, nonce=0,
                                              deadline=now + 3600)
        typed = claim_requests.typed_data(domain, request)
        if nesting == "typed":  # what the backend and the page make (ERC-7739 TypedDataSign)
            to_sign = passkey_signing.typed_data_sign(typed, chain.w3.eth.chain_id, account)
        else:  # for comparison: the same digest under PersonalSign, which the account accepts too
            to_sign = passkey_signing.personal_sign(claim_requests.digest(domain, request), chain.w3.eth.chain_id,
                                                    account)
        return chain.send(minter.functions.claimFor(request.as_tuple(), signed(key, to_sign), [])).gasUsed

    direct()  # warm-up: the campaign's counters turn from zero to non-zero once
    directs = [direct() for _ in range(ROUNDS)]
    sponsoreds = [passkey_sponsored("typed") for _ in range(ROUNDS)]
    personals = [passkey_sponsored("personal") for _ in range(ROUNDS)]
    return {"direct_claim_gas": max(directs), "passkey_sponsored_claim_gas": max(sponsoreds),
            "passkey_sponsored_personal_claim_gas": max(personals), "clone_deploy_gas": max(creates)}


def sign_in_latency(chain: Chain, factory) -> dict:
    """p50 of signatures.verify_hash of a passkey account's sign-in signature, before and after deployment."""
    from backend.auth import passkey_signing
    from backend.chain import signatures

    key, account = new_passkey(chain, factory)
    hash_ = signatures.message_hash("resident.example.jp wants you to sign in with your Ethereum account")
    to_sign = passkey_signing.personal_sign(hash_, chain.w3.eth.chain_id, account)
    inner = signed(key, to_sign)
    wrapped = passkey_signing.wrap_6492(inner, factory.address, *key.xy)

    def p50(signature: bytes, kind: str) -> float:
        times = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            verdict = signatures.verify_hash(chain.backend, account, hash_, signature)
            times.append((time.perf_counter() - started) * 1000)
            if verdict.kind != kind:
                raise SystemExit(f"the passkey sign-in was not accepted as {kind}: {verdict}")
        return round(statistics.median(times), 2)

    rpc = []
    for _ in range(ROUNDS):  # one bare JSON-RPC round trip, for scale: the machine's load weighs on both
        started = time.perf_counter()
        chain.w3.eth.get_code(account)
        rpc.append((time.perf_counter() - started) * 1000)
    before = p50(wrapped, "erc6492")
    chain.send(factory.functions.createAccount(*key.xy))  # deployed: from now on ERC-1271
    existing = chain.send(factory.functions.createAccount(*key.xy)).gasUsed
    return {"sign_in_6492_p50_ms": before, "sign_in_1271_p50_ms": p50(inner, "erc1271"),
            "rpc_round_trip_p50_ms": round(statistics.median(rpc), 2), "create_existing_gas": existing}


def measure(hardfork: str) -> dict:
    with anvil_chain(hardfork) as (url, _):
        chain = Chain(url)
        made = deployments(chain)
        factory = made.pop("factory")
        figures = {"hardfork": hardfork, "p256_precompile": chain.has_p256_precompile(), **made}
        figures.update(claims(chain, factory))
        figures.update(sign_in_latency(chain, factory))
    figures["claim_ratio"] = round(figures["passkey_sponsored_claim_gas"] / figures["direct_claim_gas"], 3)
    figures["claim_personal_ratio"] = round(
        figures["passkey_sponsored_personal_claim_gas"] / figures["direct_claim_gas"], 3)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to FILE")
    args = parser.parse_args(argv)
    native, fallback = measure("osaka"), measure("cancun")
    if not native["p256_precompile"] or fallback["p256_precompile"]:
        raise SystemExit("anvil's hardforks do not give the P-256 precompile as expected (osaka: yes, cancun: no)")
    met = {"clone": native["clone_deploy_gas"] <= CLONE_TARGET,
           "claim": native["claim_ratio"] <= CLAIM_RATIO_TARGET,
           "sign_in": native["sign_in_6492_p50_ms"] <= SIGN_IN_P50_TARGET_MS
           and native["sign_in_1271_p50_ms"] <= SIGN_IN_P50_TARGET_MS}
    yes = lambda ok: "yes" if ok else "NO"  # noqa: E731
    ratio = native["full_deploy_gas"] / native["clone_deploy_gas"]
    print(grid([
        ("figure", "value", "target", "met"),
        ("passkey account, clone (createAccount)", f"{native['clone_deploy_gas']:,} gas", f"≤ {CLONE_TARGET:,}",
         yes(met["clone"])),
        ("passkey account, full deployment", f"{native['full_deploy_gas']:,} gas", f"{ratio:.1f}× the clone", ""),
        ("createAccount when it exists", f"{native['create_existing_gas']:,} gas", "-", ""),
        ("factory (once per chain)", f"{native['factory_deploy_gas']:,} gas", "-", ""),
        ("direct claim (wallet pays)", f"{native['direct_claim_gas']:,} gas", "1.00×", ""),
        ("sponsored claim, passkey-signed, P-256 precompile (osaka)",
         f"{native['passkey_sponsored_claim_gas']:,} gas ({native['claim_ratio']:.2f}×)",
         f"≤ {CLAIM_RATIO_TARGET:.2f}×", yes(met["claim"])),
        ("  same digest as ERC-7739 PersonalSign (comparison)",
         f"{native['passkey_sponsored_personal_claim_gas']:,} gas ({native['claim_personal_ratio']:.2f}×)", "-", ""),
        ("sponsored claim, passkey-signed, Solidity P-256 (cancun)",
         f"{fallback['passkey_sponsored_claim_gas']:,} gas ({fallback['claim_ratio']:.2f}×)", "reported", ""),
        ("passkey sign-in check p50, before deployment (ERC-6492)", f"{native['sign_in_6492_p50_ms']:.1f} ms",
         f"≤ {SIGN_IN_P50_TARGET_MS:.0f} ms", yes(native["sign_in_6492_p50_ms"] <= SIGN_IN_P50_TARGET_MS)),
        ("passkey sign-in check p50, deployed (ERC-1271)", f"{native['sign_in_1271_p50_ms']:.1f} ms",
         f"≤ {SIGN_IN_P50_TARGET_MS:.0f} ms", yes(native["sign_in_1271_p50_ms"] <= SIGN_IN_P50_TARGET_MS)),
        ("one JSON-RPC round trip p50 (eth_getCode, for scale)", f"{native['rpc_round_trip_p50_ms']:.1f} ms", "-",
         ""),
        ("passkey sign-in check p50, Solidity P-256 (ERC-6492 / 1271)",
         f"{fallback['sign_in_6492_p50_ms']:.1f} / {fallback['sign_in_1271_p50_ms']:.1f} ms", "reported", ""),
    ]))
    if args.json:
        args.json.write_text(json.dumps({"osaka": native, "cancun": fallback, "rounds": ROUNDS,
                                         "targets": {"clone_gas": CLONE_TARGET, "claim_ratio": CLAIM_RATIO_TARGET,
                                                     "sign_in_p50_ms": SIGN_IN_P50_TARGET_MS},
                                         "met": met}, indent=2) + "\n")
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
