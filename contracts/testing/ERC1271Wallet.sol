// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @dev A contract wallet for tests of wallet sign-in: one owner EOA whose ECDSA signature over a hash
/// makes the wallet accept that hash (ERC-1271), as Safe-style smart accounts do with one signer.
/// SIWE signs the EIP-191 hash of the message, so the owner's `personal_sign` is what this accepts.
contract ERC1271Wallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == owner) {
            return IERC1271.isValidSignature.selector; // 0x1626ba7e
        }
        return 0xffffffff;
    }
}

/// @dev A broken contract wallet for tests: checks the owner's signature like {ERC1271Wallet} but answers
/// a wrong magic value, which a verifier must treat as "not signed".
contract ERC1271WrongMagicWallet {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == owner) {
            return 0x1626ba7f; // one bit off the ERC-1271 magic value
        }
        return 0xffffffff;
    }
}

/// @dev An {ERC1271Wallet} that also accepts cards (ERC-721 receiver), as a smart account does: the
/// recipient of a sponsored claim signed through ERC-1271.
contract ERC1271ReceivingWallet is ERC1271Wallet {
    constructor(address owner_) ERC1271Wallet(owner_) {}

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
