// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {ResidentAccount} from "./ResidentAccount.sol";

/// @title ResidentAccountFactory: passkey accounts at addresses known before they exist
/// @notice Makes a {ResidentAccount} per passkey as an EIP-1167 clone at a
/// CREATE2 address derived from the public key, so the backend can name (and
/// ERC-6492 can prove) the account before anyone pays to deploy it.
/// @dev Anyone may call {createAccount}: the clone is initialised with the key
/// its address commits to, in the same transaction, so front-running it only
/// pays for the resident's deployment.
contract ResidentAccountFactory {
    /// @notice The account template every clone delegates to.
    address public immutable implementation;

    /// @notice A passkey account was deployed for a public key.
    event ResidentAccountCreated(address indexed account, bytes32 qx, bytes32 qy);

    /// @notice The public key is not a point on P-256.
    error ResidentAccountFactoryInvalidKey(bytes32 qx, bytes32 qy);

    constructor() {
        implementation = address(new ResidentAccount());
    }

    /// @notice The address the account of this public key has (or will have).
    function predictAddress(bytes32 qx, bytes32 qy) public view returns (address) {
        return Clones.predictDeterministicAddress(implementation, _salt(qx, qy));
    }

    /// @notice Deploys the account of this public key, or returns it if it exists.
    function createAccount(bytes32 qx, bytes32 qy) external returns (address account) {
        account = predictAddress(qx, qy);
        if (account.code.length != 0) return account;
        if (!P256.isValidPublicKey(qx, qy)) revert ResidentAccountFactoryInvalidKey(qx, qy);
        Clones.cloneDeterministic(implementation, _salt(qx, qy));
        ResidentAccount(payable(account)).initialize(qx, qy);
        emit ResidentAccountCreated(account, qx, qy);
    }

    function _salt(bytes32 qx, bytes32 qy) private pure returns (bytes32) {
        return keccak256(abi.encode(qx, qy));
    }
}
