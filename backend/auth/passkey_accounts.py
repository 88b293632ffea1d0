"""The passkey account of a public key: its address (predicted by the factory on chain) and its deployment.

The factory (contracts/accounts/ResidentAccountFactory.sol) puts each account at a CREATE2 address derived
from the passkey's P-256 key, so the address is known at registration without a transaction. The backend
deploys the account only when it first has to exist on chain, from the issuer's key: the municipality pays.
"""

from __future__ import annotations

from backend.auth.errors import ChainUnavailable, PasskeysUnavailable
from backend.chain.client import Chain, Contract
from backend.errors import ChainError

_KEY = [{"name": "qx", "type": "bytes32"}, {"name": "qy", "type": "bytes32"}]
FACTORY_ABI = [
    {"type": "function", "name": "predictAddress", "stateMutability": "view", "inputs": _KEY,
     "outputs": [{"name": "", "type": "address"}]},
    {"type": "function", "name": "createAccount", "stateMutability": "nonpayable", "inputs": _KEY,
     "outputs": [{"name": "account", "type": "address"}]},
    {"type": "error", "name": "ResidentAccountFactoryInvalidKey", "inputs": _KEY},
]


def factory(chain: Chain, address: str) -> Contract:
    if not address:
        raise PasskeysUnavailable()
    return Contract(chain, address, FACTORY_ABI)


def predict_account(chain: Chain, factory_address: str, qx: bytes, qy: bytes) -> str:
    try:
        return factory(chain, factory_address).functions.predictAddress(qx, qy).call()
    except ChainError:
        raise ChainUnavailable() from None


def ensure_deployed(chain: Chain, issuer, factory_address: str, qx: bytes, qy: bytes) -> str:
    """Deploys the account if it has no code yet (createAccount is idempotent on chain too); its address.

    Called where the account first has to exist. TODO(issue 14): the sponsored-claim relayer and the
    ERC-1271 sign-in (backend/chain/signatures.py) call this; until then only the tests do.
    """
    contract = factory(chain, factory_address)
    account = predict_account(chain, factory_address, qx, qy)
    if chain.web3.eth.get_code(account):
        return account
    issuer.send(contract.functions.createAccount(qx, qy))
    return account
