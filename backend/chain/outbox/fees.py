"""EIP-1559 fees for a new transaction and for the replacement of a stuck one."""

from __future__ import annotations

from backend.chain.client import Chain
from backend.errors import ChainError

DEFAULT_PRIORITY = 10**9  # 1 gwei, when the node does not suggest one
# A replacement must pay at least 10% more (geth, anvil) on both fees; 12.5% leaves a margin and is what
# a base fee can rise in one block.
BUMP_NUMERATOR, BUMP_DENOMINATOR = 1125, 1000


def current_fees(chain: Chain) -> tuple[int, int]:
    """(max fee, max priority fee) per gas: twice the latest base fee plus the tip, so the transaction
    still pays after a few full blocks."""
    block = chain.request("eth_getBlockByNumber", ["latest", False])
    base = int(block.get("baseFeePerGas") or "0x0", 16)
    try:
        priority = int(chain.request("eth_maxPriorityFeePerGas", []), 16)
    except ChainError:
        priority = DEFAULT_PRIORITY
    return 2 * base + priority, priority


def bumped(old: int) -> int:
    """At least +12.5%, rounded up, and always more than before."""
    return max(old + 1, -(-old * BUMP_NUMERATOR // BUMP_DENOMINATOR))


def replacement_fees(chain: Chain, old_max: int, old_priority: int) -> tuple[int, int]:
    """Fees for a replacement at the same nonce: the old ones bumped, or today's if those are higher."""
    now_max, now_priority = current_fees(chain)
    priority = max(bumped(old_priority), now_priority)
    return max(bumped(old_max), now_max, priority), priority
