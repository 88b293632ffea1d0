"""The page's ERC-7739 challenges (static/js/erc7739.js, what passkey.js lets the passkey sign), run by Node,
equal two independent computations: viem's (npm, `viem/experimental/erc7739` with the passkey account as
the verifier domain) and the backend's (backend/auth/passkey_signing.py, what the server recomputes and the
account checks, tests/backend/chain/test_passkey_signatures.py). The module runs from a copy of the pages'
static tree whose vendored keccak-256 is built by tools/build_web.py, so the copy the browser imports (with
its bare import made relative) is the one tested."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timezone

import pytest

from backend.api.holder.passkeys import SIGN_IN_STATEMENT
from backend.auth import passkey_signing
from backend.auth.signin import build_message, eip191_hash
from backend.campaigns import claim_requests
from backend.civic import ballots
from backend.web.pages import STATIC_DIR
from tools.build_web import ROOT, build

SCRIPT = ROOT / "tests" / "backend" / "web" / "erc7739_hashes.mjs"
CHAIN_ID = 31337
ACCOUNT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CONTRACT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"

SIGN_IN = build_message(domain="localhost:8000", address=ACCOUNT, uri="http://localhost:8000", chain_id=CHAIN_ID,
                        nonce="q7Jk2mZx9Lp4", statement=SIGN_IN_STATEMENT,
                        issued_at=datetime(2026, 4, 1, 9, 30, tzinfo=timezone.utc))
MESSAGES = [SIGN_IN, "萩市のデジタル住民カードにサインインします。", ""]  # UTF-8: the prefix counts bytes

BALLOT = ballots.typed_data(chain_id=CHAIN_ID, contract=CONTRACT, poll_id=4, token_id=7,
                            answers_hash_hex="0x" + "ab" * 32, expires_at=2_000_000_000)
# As GET /me/campaigns/{id}/sponsored-claim sends it: integers as decimal text (allowPrice is 2**256 - 1).
CLAIM = claim_requests.typed_data(
    {"name": "ResidentMinter", "version": "1", "chainId": CHAIN_ID, "verifyingContract": CONTRACT},
    claim_requests.ClaimRequest(recipient=ACCOUNT, campaign_id=3, quantity=1, nonce=0, deadline=2_000_000_600))
CLAIM["message"] = {k: str(v) if isinstance(v, int) else v for k, v in CLAIM["message"].items()}
# Nested structs in arrays, bytes, fixed bytes, a negative integer, a nested array, a salted domain. Its
# struct types sort after the primary one, so the contents' encodeType is also the EIP-712 order viem uses.
MAIL = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"},
                         {"name": "salt", "type": "bytes32"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person[]"},
                 {"name": "contents", "type": "string"}, {"name": "attachment", "type": "bytes"},
                 {"name": "digest", "type": "bytes32"}, {"name": "tags", "type": "string[]"},
                 {"name": "urgent", "type": "bool"}, {"name": "delta", "type": "int64"},
                 {"name": "grid", "type": "uint16[2][]"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallets", "type": "Wallet[]"}],
        "Wallet": [{"name": "owner", "type": "address"}, {"name": "label", "type": "bytes4"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "2", "chainId": CHAIN_ID, "verifyingContract": CONTRACT,
               "salt": "0x" + "5a" * 32},
    "message": {
        "from": {"name": "萩 太郎", "wallets": [{"owner": ACCOUNT, "label": "0x686f6d65"}]},
        "to": [{"name": "Bob", "wallets": []},
               {"name": "Carol", "wallets": [{"owner": CONTRACT, "label": "0x776f726b"},
                                             {"owner": ACCOUNT, "label": "0x00000001"}]}],
        "contents": "Hello, Bob!", "attachment": "0x" + "00ff10" * 40, "digest": "0x" + "c3" * 32,
        "tags": ["a", "", "日本"], "urgent": True, "delta": -42, "grid": [[1, 2], [65535, 0]],
    },
}
DOCUMENTS = {"ballot": BALLOT, "claim request": CLAIM, "nested": MAIL}
# A struct type that sorts before the primary one: the contents' encodeType puts the primary first (EIP-712)
# and OpenZeppelin's ERC7739Utils reads the contents' name from its front (implicit mode), so TypedDataSign's
# type is "TypedDataSign(Proposal contents,…)Proposal(…)Author(…)". viem's hashTypedData lists TypedDataSign's
# types as one EIP-712 struct (Author before Proposal), which the account would not accept in implicit mode:
# here the backend, which the account's checks follow, is the reference.
PROPOSAL = {
    "types": {"Proposal": [{"name": "title", "type": "string"}, {"name": "author", "type": "Author"}],
              "Author": [{"name": "wallet", "type": "address"}, {"name": "note", "type": "bytes"}]},
    "primaryType": "Proposal",
    "domain": {"name": "Town", "chainId": CHAIN_ID},
    "message": {"title": "Ferry timetable", "author": {"wallet": ACCOUNT, "note": "0x"}},
}


@pytest.fixture(scope="module")
def module_path(tmp_path_factory):
    """static/js/erc7739.js in a copy of the static tree, beside the vendored files build_web.py writes."""
    static = tmp_path_factory.mktemp("static")
    (static / "js").mkdir()
    shutil.copyfile(STATIC_DIR / "js" / "erc7739.js", static / "js" / "erc7739.js")
    build(ROOT / "node_modules", static / "vendor")
    (static / "package.json").write_text('{"type": "module"}')  # Node: these .js files are ES modules
    return static / "js" / "erc7739.js"


def hashes(module_path, messages=(), documents=()) -> dict:
    done = subprocess.run(["node", str(SCRIPT), str(module_path)], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, input=json.dumps({"chainId": CHAIN_ID, "account": ACCOUNT,
                                                      "messages": list(messages), "documents": list(documents)}))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def backend_personal(message: str) -> str:
    return "0x" + passkey_signing.personal_sign(eip191_hash(message), CHAIN_ID, ACCOUNT).challenge.hex()


def backend_typed(document: dict) -> str:
    return "0x" + passkey_signing.typed_data_sign(document, CHAIN_ID, ACCOUNT).challenge.hex()


def test_sign_in_messages_hash_as_viem_and_the_backend_hash_them(module_path):
    out = hashes(module_path, messages=MESSAGES)["messages"]
    assert [o["page"] for o in out] == [o["viem"] for o in out] == [backend_personal(m) for m in MESSAGES]
    assert len(set(o["page"] for o in out)) == len(MESSAGES)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_typed_data_hashes_as_viem_and_the_backend_hash_it(module_path, name):
    document = DOCUMENTS[name]
    (out,) = hashes(module_path, documents=[document])["documents"]
    assert out["page"] == out["viem"] == backend_typed(document)


def test_contents_whose_struct_sorts_first_keep_the_primary_type_first(module_path):
    (out,) = hashes(module_path, documents=[PROPOSAL])["documents"]
    assert out["page"] == backend_typed(PROPOSAL)
    assert passkey_signing.typed_data_sign(PROPOSAL, CHAIN_ID, ACCOUNT).suffix[64:].startswith(b"Proposal(")

