// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {ERC1271Wallet} from "./ERC1271Wallet.sol";

/// @dev A counterfactual-wallet factory for tests of ERC-6492: the wallet of (owner, salt) has a known
/// CREATE2 address before it exists, so its owner can sign for it while it is undeployed, and the
/// signature carries `deploy(owner, salt)` for a verifier to simulate (as Coinbase Smart Wallet does).
contract ERC1271WalletFactory {
    event WalletDeployed(address indexed wallet, address indexed owner, bytes32 salt);

    /// @notice Deploys the wallet of (owner, salt); a second call returns the same, already deployed, address.
    function deploy(address owner, bytes32 salt) external returns (address wallet) {
        wallet = addressOf(owner, salt);
        if (wallet.code.length == 0) {
            wallet = address(new ERC1271Wallet{salt: salt}(owner));
            emit WalletDeployed(wallet, owner, salt);
        }
    }

    /// @notice The CREATE2 address the wallet of (owner, salt) has, deployed or not.
    function addressOf(address owner, bytes32 salt) public view returns (address) {
        bytes memory initCode = abi.encodePacked(type(ERC1271Wallet).creationCode, abi.encode(owner));
        return Create2.computeAddress(salt, keccak256(initCode));
    }
}
