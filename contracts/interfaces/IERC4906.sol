// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ERC-4906: EIP-721 Metadata Update Extension (events only)
/// @dev The EIP's interface also inherits IERC721; that part is left out here
/// because ResidentCard takes its ERC-721 functions from Solady, and listing
/// them twice would force override clauses on every one. The ERC-165
/// identifier the EIP requires is 0x49064906.
interface IERC4906 {
    /// @dev This event emits when the metadata of a token is changed.
    /// So that the third-party platforms such as NFT market could
    /// timely update the images and related attributes of the NFT.
    event MetadataUpdate(uint256 _tokenId);

    /// @dev This event emits when the metadata of a range of tokens is changed.
    /// So that the third-party platforms such as NFT market could
    /// timely update the images and related attributes of the NFTs.
    event BatchMetadataUpdate(uint256 _fromTokenId, uint256 _toTokenId);
}
