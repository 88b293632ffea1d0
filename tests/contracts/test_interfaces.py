"""ERC-165: every interface the collection implements, computed from the standards' functions."""

from functools import reduce

import pytest
from eth_utils import function_signature_to_4byte_selector as selector


def interface_id(*signatures):
    return "0x" + reduce(lambda a, b: bytes(x ^ y for x, y in zip(a, b)), map(selector, signatures)).hex()


ERC721 = interface_id(
    "balanceOf(address)", "ownerOf(uint256)", "safeTransferFrom(address,address,uint256,bytes)",
    "safeTransferFrom(address,address,uint256)", "transferFrom(address,address,uint256)",
    "approve(address,uint256)", "setApprovalForAll(address,bool)", "getApproved(uint256)",
    "isApprovedForAll(address,address)",
)
SUPPORTED = {
    "ERC-165": interface_id("supportsInterface(bytes4)"),
    "ERC-721": ERC721,
    "ERC-721 metadata": interface_id("name()", "symbol()", "tokenURI(uint256)"),
    "ERC-5192": interface_id("locked(uint256)"),
    "ERC-2981": interface_id("royaltyInfo(uint256,uint256)"),
    "AccessControl": interface_id(
        "hasRole(bytes32,address)", "getRoleAdmin(bytes32)", "grantRole(bytes32,address)",
        "revokeRole(bytes32,address)", "renounceRole(bytes32,address)",
    ),
    "ERC-4906": "0x49064906",  # fixed by the EIP, not derived from functions
}


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_supports_interface(card, name):
    assert card.supportsInterface(SUPPORTED[name]) is True


def test_erc5192_id_is_the_one_the_eip_names():
    assert SUPPORTED["ERC-5192"] == "0xb45a3c0e"


@pytest.mark.parametrize("unsupported", [
    "0xffffffff",  # ERC-165 requires false
    interface_id("totalSupply()", "tokenOfOwnerByIndex(address,uint256)", "tokenByIndex(uint256)"),  # ERC-721 Enumerable
    "0x00000000",
])
def test_does_not_claim_other_interfaces(card, unsupported):
    assert card.supportsInterface(unsupported) is False
