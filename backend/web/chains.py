"""What a wallet needs to add the configured chain (EIP-3085 `wallet_addEthereumChain`).

Public RPC URLs only: the backend's own RPC URL may carry an API key and is never shown, except for the
local development chain (31337), which is this machine's anvil.
"""

from __future__ import annotations

KNOWN_CHAINS = {
    81: dict(chainName="Japan Open Chain", rpcUrls=["https://rpc-1.japanopenchain.org:8545"],
             nativeCurrency=dict(name="Japan Open Chain Token", symbol="JOC", decimals=18),
             blockExplorerUrls=["https://explorer.japanopenchain.org"]),
    10081: dict(chainName="Japan Open Chain Testnet", rpcUrls=["https://rpc-1.testnet.japanopenchain.org:8545"],
                nativeCurrency=dict(name="Japan Open Chain Token", symbol="JOCT", decimals=18),
                blockExplorerUrls=["https://explorer.testnet.japanopenchain.org"]),
    137: dict(chainName="Polygon", rpcUrls=["https://polygon-rpc.com"],
              nativeCurrency=dict(name="POL", symbol="POL", decimals=18),
              blockExplorerUrls=["https://polygonscan.com"]),
    80002: dict(chainName="Polygon Amoy", rpcUrls=["https://rpc-amoy.polygon.technology"],
                nativeCurrency=dict(name="POL", symbol="POL", decimals=18),
                blockExplorerUrls=["https://amoy.polygonscan.com"]),
    11155111: dict(chainName="Sepolia", rpcUrls=["https://rpc.sepolia.org"],
                   nativeCurrency=dict(name="Sepolia Ether", symbol="ETH", decimals=18),
                   blockExplorerUrls=["https://sepolia.etherscan.io"]),
}
LOCAL_CHAIN_ID = 31337


def add_chain_params(chain_id: int, rpc_url: str) -> dict | None:
    """The `wallet_addEthereumChain` parameter for this chain, or None when we know no public RPC for it."""
    if chain_id == LOCAL_CHAIN_ID:
        return dict(chainId=hex(chain_id), chainName="Local development chain (anvil)", rpcUrls=[rpc_url],
                    nativeCurrency=dict(name="Ether", symbol="ETH", decimals=18))
    known = KNOWN_CHAINS.get(chain_id)
    return None if known is None else dict(chainId=hex(chain_id), **known)


def chain_name(chain_id: int) -> str:
    params = add_chain_params(chain_id, "")
    return params["chainName"] if params else f"chain {chain_id}"
