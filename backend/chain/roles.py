"""Which contract roles each of the backend's keys should hold, and a check that says when one does not.

Separate keys for separate roles, each with only what it needs, so that a leaked key does the least harm:

- the issuer (RESIDENT_ISSUER_SIGNER) sends renewals, revocations and console issues: ISSUER_ROLE on the card,
  never the card's DEFAULT_ADMIN_ROLE (roles, base URI, minter) nor PAUSER_ROLE;
- the voucher signer (RESIDENT_VOUCHER_SIGNER) signs EIP-712 vouchers: VOUCHER_SIGNER_ROLE on the minter, and
  nothing on the card;
- the relayer (RESIDENT_RELAYER_SIGNER) only pays gas for sponsored claims: no role anywhere.

The municipality's administrator key (DEFAULT_ADMIN_ROLE) stays offline; it grants and revokes these roles
(backend/staff/key_rotation.py). Campaigns created from the console need the minter's DEFAULT_ADMIN_ROLE for
the issuer, so the issuer may hold that one on the minter (and only there).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy import select

log = logging.getLogger(__name__)

ADMIN = "DEFAULT_ADMIN_ROLE"

# (key, contract) -> (roles it needs, roles it must not hold). Roles a contract does not name are skipped.
POLICY: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("issuer", "card"): (("ISSUER_ROLE",), (ADMIN, "PAUSER_ROLE")),
    ("voucher", "card"): ((), (ADMIN, "ISSUER_ROLE", "PAUSER_ROLE")),
    ("voucher", "minter"): (("VOUCHER_SIGNER_ROLE",), (ADMIN,)),
    ("relayer", "card"): ((), (ADMIN, "ISSUER_ROLE", "PAUSER_ROLE")),
    ("relayer", "minter"): ((), (ADMIN, "VOUCHER_SIGNER_ROLE")),
}


@dataclass(frozen=True)
class RoleFinding:
    """One key holding a role it should not (`excess`) or lacking one it needs (`missing`)."""

    key: str  # issuer, voucher, relayer
    address: str
    contract: str  # card, minter
    contract_address: str
    role: str
    kind: str  # missing | excess | shared

    def __str__(self) -> str:
        if self.kind == "shared":
            return f"the {self.key} key {self.address} is also the {self.role} key: give each role its own key"
        if self.kind == "missing":
            return f"the {self.key} key {self.address} lacks {self.role} on the {self.contract} {self.contract_address}"
        return (f"the {self.key} key {self.address} holds {self.role} on the {self.contract} "
                f"{self.contract_address}, which it should not: revoke it")


def role_id(contract, role: str) -> bytes:
    return b"\x00" * 32 if role == ADMIN else getattr(contract.functions, role)().call()


def _names_role(contract, role: str) -> bool:
    return role == ADMIN or any(item.get("name") == role for item in contract.abi if item.get("type") == "function")


def check_roles(contracts: dict[str, object], keys: dict[str, str]) -> list[RoleFinding]:
    """What is wrong with `keys` ({"issuer": address, ...}) on `contracts` ({"card": web3 contract, "minter": ...});
    empty when each key holds exactly what POLICY says. Two roles sharing one key is a finding too."""
    findings: list[RoleFinding] = []
    for (key, name), (needed, forbidden) in POLICY.items():
        contract, address = contracts.get(name), keys.get(key)
        if contract is None or address is None:
            continue
        address = to_checksum_address(address)
        for role, want in [*((r, True) for r in needed), *((r, False) for r in forbidden)]:
            if not _names_role(contract, role):
                continue
            held = bool(contract.functions.hasRole(role_id(contract, role), address).call())
            if held != want:
                findings.append(RoleFinding(key, address, name, contract.address, role, "missing" if want else "excess"))
    seen: dict[str, str] = {}
    for key, address in keys.items():
        if address is None:
            continue
        other = seen.setdefault(to_checksum_address(address), key)
        if other != key:
            findings.append(RoleFinding(key, to_checksum_address(address), "keys", "-", other, "shared"))
    return findings


def backend_keys(issuer, relayer=None) -> dict[str, str]:
    """The addresses of the backend's keys by role: the issuer, the voucher signer when it has its own key
    (RESIDENT_VOUCHER_SIGNER), the relayer when set."""
    keys: dict[str, str] = {}
    if issuer is not None:
        keys["issuer"] = issuer.address
        voucher = getattr(issuer, "voucher_signer", None)
        if voucher is not None and voucher is not issuer.signer:
            keys["voucher"] = voucher.address
    if relayer is not None:
        keys["relayer"] = relayer.address
    return keys


class RoleCheck:
    """check_roles of the backend's keys on this chain's collections and their minters, cached for `ttl` s
    (/health asks often; roles change rarely). A chain that does not answer gives no findings: /health
    reports the chain itself."""

    def __init__(self, settings, sessions, chain, keys: dict[str, str], ttl: float = 300,
                 clock=time.monotonic) -> None:
        self.settings, self.sessions, self.chain, self.keys = settings, sessions, chain, keys
        self.ttl, self.clock = ttl, clock
        self._cached: tuple[float, list[RoleFinding]] | None = None
        self._lock = threading.Lock()

    def findings(self) -> list[RoleFinding]:
        if not self.keys:
            return []
        with self._lock:
            if self._cached is not None and self.clock() - self._cached[0] < self.ttl:
                return self._cached[1]
            try:
                found = self._check()
            except Exception as exc:  # the chain or the database down: /health says so on its own
                log.warning("the role check of the backend's keys failed: %s", type(exc).__name__)
                return self._cached[1] if self._cached is not None else []
            if found is None:  # no collection registered yet (the indexer registers them): ask again next time
                return []
            self._cached = (self.clock(), found)
            return found

    def _check(self) -> list[RoleFinding] | None:
        from backend.chain.deployments import collection_record, contract_for, minter_record
        from backend.db.models_chain import Collection

        found: list[RoleFinding] = []
        with self.sessions() as session:
            rows = list(session.scalars(select(Collection).where(Collection.chain_id == self.settings.chain_id)))
        if not rows:
            return None
        for row in rows:
            contracts = {"card": contract_for(self.chain, collection_record(row, self.settings.deployments_dir))}
            minter = minter_record(self.settings.deployments_dir, row.symbol)
            if minter is not None:
                contracts["minter"] = contract_for(self.chain, minter)
            found += [f for f in check_roles(contracts, self.keys) if f not in found]
        return found
