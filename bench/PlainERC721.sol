// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @dev Gas reference for bench/gas.py: plain OpenZeppelin ERC-721 whose mints
/// only call `_mint`, with no roles, no data and no checks of its own.
contract PlainERC721 is ERC721 {
    constructor() ERC721("Plain", "PLAIN") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    /// @dev For context only: `_safeMint` adds the receiver check that
    /// ResidentCard.issue must make (the targets compare against `mint`).
    function safeMint(address to, uint256 tokenId) external {
        _safeMint(to, tokenId);
    }

    function mintBatch(address[] calldata to, uint256 firstTokenId) external {
        for (uint256 i; i < to.length; ++i) {
            _mint(to[i], firstTokenId + i);
        }
    }
}
