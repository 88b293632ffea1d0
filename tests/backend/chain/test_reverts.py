"""backend/chain/reverts.py: every form a revert comes in gives the named error and its values."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from backend.chain.client import Chain, ContractReverted
from backend.chain.deployments import contract_for
from backend.chain.reverts import Revert, decode_revert
from tests.backend.localchain import ANVIL_KEYS

ABI = [{"type": "error", "name": "Nope", "inputs": [{"name": "x", "type": "uint256"}, {"name": "who", "type": "address"}]}]
WHO = to_checksum_address("0x" + "ab" * 20)
NOPE = "0x" + keccak(text="Nope(uint256,address)")[:4].hex() + encode(["uint256", "address"], [7, WHO]).hex()


class FakeWeb3Error(Exception):
    """Stands for web3's ContractCustomError: a message and `.data`."""

    def __init__(self, message, data):
        super().__init__(message)
        self.message, self.data = message, data


@pytest.mark.parametrize("source", [
    NOPE, bytes.fromhex(NOPE[2:]), {"code": 3, "message": "execution reverted", "data": NOPE},
    {"code": -32000, "message": "reverted", "data": {"data": NOPE}}, FakeWeb3Error("execution reverted", NOPE),
    ValueError({"code": 3, "message": "execution reverted", "data": NOPE}),
])
def test_custom_error_with_values_from_any_form(source):
    revert = decode_revert(ABI, source)
    assert revert.name == "Nope"
    assert revert.values == {"x": 7, "who": WHO}
    assert str(revert) == f"Nope(7, {WHO})"


def test_error_string_panic_unknown_and_empty():
    message = "0x08c379a0" + encode(["string"], ["not allowed"]).hex()
    assert decode_revert(ABI, message) == Revert("Error", ("not allowed",), ("message",), message)
    panic = "0x4e487b71" + encode(["uint256"], [0x11]).hex()
    assert decode_revert(ABI, panic).values == {"code": 0x11}
    assert decode_revert(ABI, "0xdeadbeef").name == "0xdeadbeef"
    empty = decode_revert(ABI, {"code": 3, "message": "execution reverted"})
    assert (empty.name, empty.error) == ("", "execution reverted")
    assert decode_revert(ABI, None).error == "reverted without a reason"


def test_a_read_and_an_estimate_raise_the_decoded_error(chain_with_collection, anvil):
    chain = Chain(anvil.url)
    card = contract_for(chain, chain_with_collection.collection.record)
    outsider = Account.from_key(ANVIL_KEYS[7]).address
    with pytest.raises(ContractReverted) as read:
        card.functions.ownerOf(10**12).call()
    assert read.value.revert.name and read.value.function == "ownerOf"
    call = card.functions.issue(outsider, 1, 0)
    with pytest.raises(ContractReverted) as estimated:
        chain.estimate_gas({"from": outsider, "to": card.address, "data": call.calldata}, card.abi, "issue")
    revert = estimated.value.revert
    assert revert.name == "AccessControlUnauthorizedAccount"
    assert revert.values["account"] == outsider
    assert revert.values["neededRole"] == card.functions.ISSUER_ROLE().call()
