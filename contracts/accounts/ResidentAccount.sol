// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Account} from "@openzeppelin/contracts/account/Account.sol";
import {ERC7821} from "@openzeppelin/contracts/account/extensions/draft-ERC7821.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ERC7739} from "@openzeppelin/contracts/utils/cryptography/signers/draft-ERC7739.sol";
import {SignerP256} from "@openzeppelin/contracts/utils/cryptography/signers/SignerP256.sol";
import {SignerWebAuthn} from "@openzeppelin/contracts/utils/cryptography/signers/SignerWebAuthn.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ERC721Holder} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Holder.sol";

/// @title ResidentAccount: a resident's account, signed by the passkey on their phone
/// @notice An ERC-4337 account (OpenZeppelin `Account`) whose one signer is a
/// WebAuthn passkey (P-256). ERC-1271 signatures go through ERC-7739, so a
/// signature made for this account cannot be replayed on another account of
/// the same passkey; ERC-7821 batches calls. Only the public key is stored. It takes cards sent with
/// `safeTransferFrom`/`_safeMint` (ERC721Holder): a claim or a transfer to it would revert otherwise.
/// @dev Deployed once as a template, then as EIP-1167 clones by
/// {ResidentAccountFactory}: a clone runs no constructor, so its key is set
/// once by {initialize}, in the same transaction that makes the clone.
contract ResidentAccount is Account, SignerWebAuthn, ERC7739, ERC7821, ERC721Holder, Initializable {
    /// @notice The template behind the clones; it holds no key and validates nothing.
    address private immutable _template;

    /// @dev SignerP256's constructor insists on a valid key, so the template is
    /// given the curve's generator and {signer} hides it (its private key is 1).
    constructor()
        EIP712("ResidentAccount", "1")
        SignerP256(
            0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
            0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5
        )
    {
        _template = address(this);
        _disableInitializers();
    }

    /// @notice Sets the passkey's public key, once, on a fresh clone.
    function initialize(bytes32 qx, bytes32 qy) external initializer {
        _setSigner(qx, qy);
    }

    /// @inheritdoc SignerP256
    function signer() public view virtual override returns (bytes32 qx, bytes32 qy) {
        if (address(this) == _template) return (0, 0);
        return super.signer();
    }

    /// @dev The entry point may execute too (user operations), not only the account itself.
    function _erc7821AuthorizedExecutor(
        address caller,
        bytes32 mode,
        bytes calldata executionData
    ) internal view virtual override returns (bool) {
        return caller == address(entryPoint()) || super._erc7821AuthorizedExecutor(caller, mode, executionData);
    }
}
