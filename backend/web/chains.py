"""What a wallet needs to add the configured chain (EIP-3085 `wallet_addEthereumChain`), from its profile
(backend/chain/networks.py).

Public RPC URLs only: the backend's own RPC URL may carry an API key and is never shown, except for the
local development chain (31337), which is this machine's anvil.
"""

from __future__ import annotations

from backend.chain.networks import LOCAL_CHAIN_ID, known


def add_chain_params(chain_id: int, rpc_url: str) -> dict | None:
    """The `wallet_addEthereumChain` parameter for this chain, or None when we know no public RPC for it."""
    network = known(chain_id)
    rpc_urls = [rpc_url] if chain_id == LOCAL_CHAIN_ID else [network.public_rpc] if network and network.public_rpc \
        else None
    if network is None or rpc_urls is None:
        return None
    params = dict(chainId=hex(chain_id), chainName=network.name_en, rpcUrls=rpc_urls,
                  nativeCurrency=dict(name=network.currency, symbol=network.symbol, decimals=18))
    if network.explorer:
        params["blockExplorerUrls"] = [network.explorer]
    return params


def chain_name(chain_id: int) -> str:
    network = known(chain_id)
    return network.name_en if network else f"chain {chain_id}"
