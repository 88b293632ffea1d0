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

from dataclasses import dataclass

from eth_utils import to_checksum_address

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
            return f"the {self.key} key {self.address} is also {self.role}: give each role its own key"
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
            findings.append(RoleFinding(key, to_checksum_address(address), "keys", "-", f"the {other} key", "shared"))
    return findings
