"""The backend's settings: environment variables (prefix RESIDENT_) or a `.env` file.

One `Settings` object is built by whoever starts the backend (the app factory,
`make run`, a test) and passed down; nothing reads the environment at import.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.chain import networks
from backend.messages import texts


# Secrets that are fine on a developer's machine and nowhere else.
DEV_SECRET_PREFIX = "dev-only-"
MIN_SECRET_LENGTH = 32
# The private keys of accounts 0..19 of the mnemonic anvil and Hardhat use ("test test test test test test
# test test test test test junk", m/44'/60'/0'/0/i), without 0x: public knowledge, test chains only.
# tests/backend/test_settings.py derives them again from the mnemonic.
DEV_CHAIN_KEYS = (
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    "f214f2b2cd398c806f84e317254e0f0b801d0643303237d97a22a48e01628897",
    "701b615bbdfb9de65240bc28bd21bbc0d996645a3dd57e7b12bc2bdf6f192c82",
    "a267530f49f8280200edf313ee7af6b827f2a8bce2897751d06a843f644967b1",
    "47c99abed3324a2707c28affff1267e45918ec8c3f20b8aa892e8b065d2942dd",
    "c526ee95bf44d8fc405a158bb884d9d1238d99f0612e9f33d006bb0789009aaa",
    "8166f546bab6da521a8369cab06c5d2b9e46670292d85c875ee9ec20e84ffb61",
    "ea6c44ac03bff858b476bba40716402b03e41b8e97e276d1baec7c37d42484a0",
    "689af8efa8c651a91ad287602527f3af2fe9f6501a7ac4b061667b5a93e037fd",
    "de9be858da4a475276426320d5e9262ecfc3ba460bfac56360bfa6c4c28b4ee0",
    "df57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e",
)
# anvil's first development account (what `make run` issues with).
ANVIL_DEV_KEY = "0x" + DEV_CHAIN_KEYS[0]
SECRET_FIELDS = ("session_secret", "pass_secret", "sealing_key")
# Each secret has one purpose; the transaction keys below may not be any of them (nor a development key).
PURPOSE_SECRETS = (*SECRET_FIELDS, "identity_secret")
TRANSACTION_KEYS = ("issuer_key", "deployer_key", "relayer_key")
SIGNER_KINDS = ("keystore", "remote", "local")  # backend/chain/signers.py signer_from_spec


class OidcProvider(BaseModel):
    """An OpenID Connect provider people verify their identity with (backend/identity/oidc.py), e.g. xID or the
    My Number card's identity service: its issuer (discovery at <issuer>/.well-known/openid-configuration), our
    client there (no secret: a public client, PKCE only), the scopes to ask for (the birthdate comes with
    `profile`), the verification level it stands for and the button's label."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="Names the provider in our URLs")
    issuer: str = Field(min_length=8, max_length=200)
    client_id: str = Field(min_length=1, max_length=300)
    client_secret: SecretStr | None = Field(default=None, repr=False)
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    level: str = Field(default="mynumber_card", min_length=1, max_length=40)
    # The button's label; unset: the catalogue's `oidc_button` (backend/messages/identity.py).
    label_ja: str | None = Field(default=None, max_length=80)
    label_en: str | None = Field(default=None, max_length=80)

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"an OIDC issuer is an http(s) URL without query or fragment: {value!r}")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: list[str]) -> list[str]:
        return value if "openid" in value else ["openid", *value]


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting's error never repeats the values given (secrets among them).
    model_config = SettingsConfigDict(env_prefix="RESIDENT_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True, hide_input_in_errors=True)

    environment: Literal["development", "production", "test"] = "development"
    # The chain: a provider's URL carries its API key (repr=False). Default http://127.0.0.1:<rpc_port>, the chain
    # `make run` starts: every script, hint and the backend follow this one URL.
    rpc_url: str = Field(default="", repr=False)
    # More endpoints of the same chain, comma-separated, in order of preference (backend/chain/transport.py
    # fails over between them); the first takes RESIDENT_RPC_URL's role. Unset: RESIDENT_RPC_URL alone.
    rpc_urls: str = Field(default="", repr=False)
    chain_id: int = Field(default=31337, ge=1)
    # Fee caps over the chain's profile (backend/chain/networks.py): maxFeePerGas (gasPrice on a legacy chain)
    # and maxPriorityFeePerGas, in gwei.
    max_fee_gwei: Decimal | None = Field(default=None, gt=0)
    max_priority_fee_gwei: Decimal | None = Field(default=None, ge=0)
    data_dir: Path = Path(__file__).resolve().parents[1] / "data"  # RESIDENT_DATA_DIR
    # RESIDENT_DATABASE_URL, or the conventional DATABASE_URL; default: SQLite in the data directory.
    database_url: str = Field(default="", validation_alias=AliasChoices("RESIDENT_DATABASE_URL", "DATABASE_URL",
                                                                         "database_url"), repr=False)
    auto_migrate: bool = Field(default=True, description="Run `alembic upgrade head` when the app starts")
    # Where this chain's deployment records are; default <data_dir>/deployments/<chain_id>.
    deployments_path: Path | None = None

    # Indexer: what counts as final (the node's "finalized" or "safe" block, or with "none" the blocks
    # `confirmations` behind the head), poll period, eth_getLogs range.
    # Unset: the chain's profile says (backend/chain/networks.py; anvil: none, 0 and 2000).
    finality: Literal["finalized", "safe", "none"] | None = None
    confirmations: int | None = Field(default=None, ge=0)
    poll_interval: float = Field(default=0.25, gt=0)
    log_chunk_blocks: int | None = Field(default=None, ge=1)
    reorg_window: int = Field(default=128, ge=2, description="Recent block hashes kept to find a fork point")
    indexer_enabled: bool = True
    stale_after: float = Field(default=10.0, gt=0, description="Seconds without a successful poll → index is stale")

    # The transaction outbox (backend/chain/outbox): every Issuer.send enqueued and sent by one manager.
    outbox_enabled: bool = False
    outbox_confirmations: int | None = Field(default=None, ge=1, description="Blocks on top of a transaction's "
                                             "(its own included) before the outbox calls it confirmed; unset: "
                                             "RESIDENT_CONFIRMATIONS + 1 (the chain's profile). A chain whose "
                                             "profile has a finality tag: its `safe` block decides")
    outbox_stuck_after: float = Field(default=90.0, gt=0, description="Seconds a sent transaction may wait "
                                      "unmined before it is replaced at its nonce with fees bumped 12.5%")
    outbox_low_balance_wei: int = Field(default=5 * 10**16, ge=0, description="A sender holding less than "
                                        "this is shown low on the staff console's transactions, whatever the fees")
    outbox_low_balance_transactions: int = Field(default=100, ge=0, le=1_000_000, description="A sender is also "
                                                 "shown low when its balance pays for fewer than this many of its "
                                                 "typical transactions at today's fee (the same warning on every "
                                                 "chain, whatever its token is worth)")

    # Periodic jobs (renewals, inactivity, mail): how often each process looks for due work.
    jobs_enabled: bool = True
    jobs_interval: float = Field(default=30.0, gt=0)
    # The leader (backend/workers/leader.py): how often each process tries for (or checks) the PostgreSQL
    # advisory lock; another process leads within about this long after the leader dies.
    leader_poll_seconds: float = Field(default=3.0, gt=0, le=10)

    # The production profile (deploy/gunicorn.conf.py, `python -m backend.production`): API worker processes
    # and the address they listen on (behind the TLS proxy, deploy/Caddyfile); the port is api_port.
    web_workers: int = Field(default=3, ge=1, le=64)
    api_host: str = "127.0.0.1"

    # Venue passes (backend/venues/passes.py): how long a QR pass is valid, and how long before it runs out the
    # holder page fetches the next one (the page reads both from /web/config). The browser tests run them short.
    pass_lifetime: int = Field(default=90, ge=1, le=600, description="Seconds a venue pass is valid: long enough "
                               "to walk to the desk, short enough that a screenshot is useless later")
    pass_renew_margin: int = Field(default=15, ge=1, description="Seconds before a shown pass expires when the "
                                   "holder page fetches the next one")

    session_secret: str = Field(default=DEV_SECRET_PREFIX + "session-secret-change-me-0000000", repr=False)
    pass_secret: str = Field(default=DEV_SECRET_PREFIX + "pass-secret-change-me-00000000000", repr=False)
    # The key secrets kept in the database are encrypted under (backend/auth/sealed.py): forums' DiscourseConnect
    # secrets (one per forum, made by the backend), staff TOTP seeds. Changing it makes them unreadable: rotate
    # by re-issuing them.
    sealing_key: str = Field(default=DEV_SECRET_PREFIX + "sealing-key-change-me-000000000", repr=False)

    # Identity verification (backend/identity/verifier.py): the key of the nullifier HMAC (one per deployment,
    # never rotated: a new key makes every person look new), the audience assertions must name (default:
    # public_url), and the trusted providers' ES256K public keys {issuer: 0x-hex of the 64-byte key}. In
    # development and tests the built-in development provider (keyed from identity_secret) is trusted too.
    # Required in production (the backend never makes one up: a made-up key would change every nullifier when
    # it is lost); elsewhere a fixed development key stands in (Settings.identity_key).
    identity_secret: str | None = Field(default=None, repr=False)
    identity_audience: str | None = None
    identity_providers: dict[str, str] = Field(default_factory=dict)
    # OpenID Connect providers (backend/identity/oidc.py), as JSON: [{"id": "xid", "issuer": "https://...",
    # "client_id": "...", "client_secret": "...", "label_ja": "...", "label_en": "..."}]. Their redirect URI is
    # <public_url>/identity/oidc/callback. Production takes https issuers only.
    oidc_providers: list[OidcProvider] = Field(default_factory=list)

    # The key the backend signs its own transactions with (renewals, revocations, prefecture cards,
    # campaigns from the console); it needs ISSUER_ROLE on the cards. Unset: those features answer 503.
    issuer_key: SecretStr | None = Field(default=None, repr=False)
    # Development's raw key for the relayer, which sends and pays for sponsored claims (backend/campaigns/
    # sponsored.py): native token, no role. Unset with no RESIDENT_RELAYER_SIGNER: sponsored claims answer 503.
    relayer_key: SecretStr | None = Field(default=None, repr=False)
    # Who signs for each role (backend/chain/signers.py): a keystore (`keystore:/path/key.json?passphrase_file=
    # /path/pass`) or a remote signer speaking Web3Signer's or Clef's JSON-RPC (`remote:https://host:9000?
    # address=0x...[&protocol=clef]`); `local:0x<key>` in development only. The issuer sends the backend's
    # transactions (ISSUER_ROLE on the cards, MANAGER_ROLE on the minters); the relayer sends sponsored claims
    # (no contract role); the voucher signer signs EIP-712 vouchers (VOUCHER_SIGNER_ROLE; default: the issuer).
    # RESIDENT_ISSUER_SIGNER wins over RESIDENT_ISSUER_KEY; production refuses both a raw key and `local:`.
    issuer_signer: SecretStr | None = Field(default=None, repr=False)
    relayer_signer: SecretStr | None = Field(default=None, repr=False)
    voucher_signer: SecretStr | None = Field(default=None, repr=False)

    # Email to holders (backend/civic/mail.py): smtp://host:port, smtps://user:pass@host, smtp+starttls://...
    # Unset: no mail is sent; announcements and notices stay in the app.
    smtp_url: str | None = Field(default=None, repr=False)
    mail_from: str = "デジタル住民 <no-reply@resident.localhost>"

    # Failed staff and venue sign-ins allowed per (login name, client address) and per client address
    # (backend/auth/throttle.py): ladders of moving windows in `limits` notation, each step waiting longer.
    # The client address is the connection's (request.client.host); uvicorn fills it from X-Forwarded-For
    # only for a proxy in --forwarded-allow-ips (default 127.0.0.1,::1). Counted per process.
    login_limits_per_login: str = "5/minute; 10 per 10 minutes; 20/hour; 50/day"
    login_limits_per_address: str = "30/minute; 300/hour; 1000/day"
    # Unknown desk codes typed at a venue desk, per venue session and per client address (backend/venues/desk_codes.py).
    desk_code_guesses: str = "5/minute; 20/hour; 50/day"

    # Where people reach this backend; default http://127.0.0.1:<api_port>. Links, sign-in and the base URI
    # deployed collections point their tokenURI at (a config's `base_uri: /metadata/SYMBOL/`) follow it.
    public_url: str = ""
    # The ResidentAccountFactory of passkey accounts (contracts/accounts); empty: passkey routes answer 503.
    # The WebAuthn RP id and origin are public_url's host and origin.
    account_factory_address: str = ""
    siwe_domain: str = ""  # default: the public URL's host[:port]
    ipfs_api: str | None = None
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # /docs and /openapi.json: on outside production, off in production unless RESIDENT_API_DOCS=true.
    api_docs: bool | None = None

    # Command-line tools, not the backend: `make run`'s ports (tools/run_local.py), the key Brownie scripts deploy
    # with on a real network (unset: the node's first unlocked account), and the first administrator's password
    # for `python -m backend.auth.staff create-admin` (unset: asked on the terminal).
    rpc_port: int = Field(default=8545, ge=1, le=65_535)
    api_port: int = Field(default=8000, ge=1, le=65_535)
    deployer_key: SecretStr | None = Field(default=None, repr=False)
    admin_password: SecretStr | None = Field(default=None, repr=False)
    # `make run`'s year of demo history on a new chain (backend/demo_history.py); production refuses it.
    demo_history: bool = True

    @field_validator("account_factory_address")
    @classmethod
    def _factory_address(cls, value: str) -> str:
        from eth_utils import is_hex_address

        if value and not is_hex_address(value):
            raise ValueError(f"RESIDENT_ACCOUNT_FACTORY_ADDRESS is not a 20-byte hex address: {value!r}")
        return value

    @field_validator("login_limits_per_login", "login_limits_per_address", "desk_code_guesses")
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        if not parse_many(value):  # ValueError if it is not "5/minute; 20/hour": at start, not at the first sign-in
            raise ValueError(f"no rate limit in {value!r}")
        return value

    @field_validator("oidc_providers")
    @classmethod
    def _one_provider_per_id(cls, value: list[OidcProvider]) -> list[OidcProvider]:
        ids = [p.id for p in value]
        if len(set(ids)) != len(ids):
            raise ValueError(f"each provider in RESIDENT_OIDC_PROVIDERS needs its own id: {', '.join(ids)}")
        return value

    @field_validator("issuer_signer", "relayer_signer", "voucher_signer")
    @classmethod
    def _signer_spec(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().partition(":")[0] not in SIGNER_KINDS:
            raise ValueError("a signer spec starts with keystore:, remote: or (development only) local:")
        return value

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> Settings:
        self.data_dir = Path(self.data_dir).resolve()
        if not self.rpc_url:
            listed = [u.strip() for u in self.rpc_urls.split(",") if u.strip()]
            self.rpc_url = listed[0] if listed else f"http://127.0.0.1:{self.rpc_port}"
        profile = networks.known(self.chain_id)
        if profile is None and self.environment == "production":
            said = texts("settings_unknown_chain", chain_id=self.chain_id, known=networks.catalogue())
            raise ValueError(f"{said.en}\n{said.ja}")
        profile = profile or networks.unprofiled(self.chain_id)
        if self.finality is None:
            self.finality = profile.finality or "none"
        if self.confirmations is None:
            self.confirmations = profile.confirmations
        if self.log_chunk_blocks is None:
            self.log_chunk_blocks = profile.log_range
        if not self.public_url:
            self.public_url = f"http://127.0.0.1:{self.api_port}"
        self.public_url = self.public_url.rstrip("/")
        if not self.siwe_domain:
            self.siwe_domain = urlsplit(self.public_url).netloc
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'resident.db'}"
        if self.pass_renew_margin >= self.pass_lifetime:
            raise ValueError(f"RESIDENT_PASS_RENEW_MARGIN ({self.pass_renew_margin} s) must be shorter than "
                             f"RESIDENT_PASS_LIFETIME ({self.pass_lifetime} s): a pass would be renewed at once")
        if self.environment == "production":
            if "demo_history" in self.model_fields_set and self.demo_history:
                raise ValueError("RESIDENT_DEMO_HISTORY is for `make run`'s demo only: production never seeds demo "
                                 "data (unset it)")
            self._refuse_development_secrets()
            self._refuse_raw_keys()
            plain = [p.id for p in self.oidc_providers if not p.issuer.startswith("https://")]
            if plain:
                raise ValueError(f"production talks to OIDC providers over https only: {', '.join(plain)} in "
                                 f"RESIDENT_OIDC_PROVIDERS")
        return self

    def _refuse_raw_keys(self) -> None:
        """Production holds no signing key in the environment: a keystore file or a remote signer instead."""
        raw = [f"RESIDENT_{name.upper()}" for name in ("issuer_key", "relayer_key")
               if getattr(self, name) is not None and getattr(self, name).get_secret_value()]
        raw += [f"RESIDENT_{name.upper()}" for name in ("issuer_signer", "relayer_signer", "voucher_signer")
                if getattr(self, name) is not None and getattr(self, name).get_secret_value().strip().startswith("local:")]
        if raw:
            raise ValueError(f"production holds no private key in the environment ({', '.join(raw)}): set "
                             f"RESIDENT_ISSUER_SIGNER (and RESIDENT_RELAYER_SIGNER, RESIDENT_VOUCHER_SIGNER) to "
                             f"keystore:/path/key.json?passphrase_file=/path/pass or remote:https://signer?address=0x...")

    def _secret(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else value

    def _refuse_development_secrets(self) -> None:
        """Production refuses placeholder, short, public and shared secrets, each by its setting's name."""
        if self.identity_secret is None:
            raise ValueError("production needs RESIDENT_IDENTITY_SECRET, the key of every person's nullifier: set "
                             "it once to a random string of at least 32 characters, keep it in a secret store and "
                             "never change it (a new one makes every person look new)")
        weak = [name for name in PURPOSE_SECRETS
                if self._secret(name).startswith(DEV_SECRET_PREFIX) or len(self._secret(name)) < MIN_SECRET_LENGTH]
        if weak:
            names = ", ".join("RESIDENT_" + n.upper() for n in weak)
            raise ValueError(f"production needs real secrets: set {names} to random strings of at least "
                             f"{MIN_SECRET_LENGTH} characters (e.g. `python -c 'import secrets; "
                             f"print(secrets.token_urlsafe(32))'`)")
        given = {name: _normalized(self._secret(name)) for name in (*PURPOSE_SECRETS, *TRANSACTION_KEYS)
                 if self._secret(name) is not None}
        public = [name for name, value in given.items() if value in DEV_CHAIN_KEYS]
        if public:
            names = ", ".join("RESIDENT_" + n.upper() for n in public)
            raise ValueError(f"production cannot use a public development key (of the anvil/Hardhat test mnemonic) "
                             f"as {names}: set the municipality's own key (kept in a secret store)")
        for i, first in enumerate(PURPOSE_SECRETS):
            # The issuer and the deployer may be one key; a secret may be neither, nor another secret.
            for second in [*PURPOSE_SECRETS[i + 1:], *TRANSACTION_KEYS]:
                if second in given and given[first] == given[second]:
                    raise ValueError(f"production needs one secret per purpose: RESIDENT_{first.upper()} and "
                                     f"RESIDENT_{second.upper()} are the same; give each its own random value")

    @property
    def rpc_endpoints(self) -> list[str]:
        """The chain's RPC URLs in order of preference: RESIDENT_RPC_URL, then RESIDENT_RPC_URLS' others."""
        listed = [u.strip() for u in self.rpc_urls.split(",") if u.strip()]
        return [self.rpc_url, *(u for u in listed if u != self.rpc_url)]

    @property
    def network(self) -> networks.Network:
        """RESIDENT_CHAIN_ID's profile with RESIDENT_MAX_FEE_GWEI / RESIDENT_MAX_PRIORITY_FEE_GWEI applied."""
        profile = networks.known(self.chain_id) or networks.unprofiled(self.chain_id)
        return profile.capped(self.max_fee_gwei, self.max_priority_fee_gwei)

    @property
    def seeds_demo_history(self) -> bool:
        """Whether `make run` seeds its year of demo history (RESIDENT_DEMO_HISTORY; never in production)."""
        return self.demo_history and self.environment != "production"

    @property
    def docs_enabled(self) -> bool:
        """Whether the app serves /docs and /openapi.json (RESIDENT_API_DOCS; default: not in production)."""
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    @property
    def oidc_redirect_uri(self) -> str:
        """Where OIDC providers send people back to (register it with each provider)."""
        return f"{self.public_url}/identity/oidc/callback"

    @property
    def identity_key(self) -> str | None:
        """The nullifier secret: RESIDENT_IDENTITY_SECRET (required in production), or outside production a fixed
        development key when it is unset. Never generated: a lost generated key would change every nullifier."""
        if self.identity_secret is not None:
            return self.identity_secret
        return None if self.environment == "production" else DEV_SECRET_PREFIX + "identity-secret-change-me-00000"

    @property
    def deployments_dir(self) -> Path:
        """Deployment records of this chain: $RESIDENT_DEPLOYMENTS_PATH or <data_dir>/deployments/<chain_id>."""
        if self.deployments_path is not None:
            return Path(self.deployments_path).resolve()
        return self.data_dir / "deployments" / str(self.chain_id)


def _normalized(secret: str) -> str:
    """A secret as compared: without surrounding space, a 0x prefix or case (a hex key is one key in any spelling)."""
    value = secret.strip().lower()
    return value[2:] if value.startswith("0x") else value
