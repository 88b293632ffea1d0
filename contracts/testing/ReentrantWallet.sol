// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @dev A hostile contract wallet for tests: whenever it receives native tokens (a refund, a withdrawal)
/// or a card, it calls `target` once more with `reentryCall` (e.g. `withdraw` again, or `claim` again) and
/// records whether that call succeeded and what it reverted with. It accepts the payment or card either way,
/// so a test can see that the outer call completed while the re-entry was refused.
contract ReentrantWallet is IERC721Receiver {
    address public target;
    bytes public reentryCall;
    uint256 public reentryValue;
    uint256 public attempts;
    uint256 public successes;
    bytes public lastRevert;

    function arm(address target_, bytes calldata call, uint256 value) external {
        target = target_;
        reentryCall = call;
        reentryValue = value;
    }

    /// @dev Makes `target` receive `data` from this wallet (e.g. a claim), forwarding the value sent.
    function execute(bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }

    receive() external payable {
        _reenter();
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return IERC721Receiver.onERC721Received.selector;
    }

    function _reenter() private {
        if (reentryCall.length == 0 || attempts != 0) return;
        attempts += 1;
        (bool ok, bytes memory result) = target.call{value: reentryValue}(reentryCall);
        if (ok) successes += 1;
        else lastRevert = result;
    }
}
