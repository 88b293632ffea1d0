// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @dev A contract wallet for tests: accepts or refuses ERC-721 tokens, and
/// records the last `onERC721Received` call it accepted.
contract CardReceiver is IERC721Receiver {
    bool public immutable accepts;
    address public lastOperator;
    address public lastFrom;
    uint256 public lastTokenId;

    error CardReceiverRefuses(uint256 tokenId);

    constructor(bool accepts_) {
        accepts = accepts_;
    }

    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata)
        external
        returns (bytes4)
    {
        if (!accepts) revert CardReceiverRefuses(tokenId);
        lastOperator = operator;
        lastFrom = from;
        lastTokenId = tokenId;
        return IERC721Receiver.onERC721Received.selector;
    }
}
