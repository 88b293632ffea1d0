"""The backend's settings: environment variables (prefix RESIDENT_) or a `.env` file.

One `Settings` object is built by whoever starts the backend (the app factory,
`make run`, a test) and passed down; nothing reads the environment at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


# Secrets that are fine on a developer's machine and nowhere else.
DEV_SECRET_PREFIX = "dev-only-"
MIN_SECRET_LENGTH = 32
# anvil's first development account: public knowledge, test chains only.
ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
SECRET_FIELDS = ("session_secret", "pass_secret", "discourse_sso_secret", "sealing_key")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESIDENT_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True)

    environment: Literal["development", "production", "test"] = "development"
    rpc_url: str = "http://127.0.0.1:8545"
    chain_id: int = Field(default=31337, ge=1)
    data_dir: Path = Path(__file__).resolve().parents[1] / "data"  # RESIDENT_DATA_DIR
    # RESIDENT_DATABASE_URL, or the conventional DATABASE_URL; default: SQLite in the data directory.
    database_url: str = Field(default="", validation_alias=AliasChoices("RESIDENT_DATABASE_URL", "DATABASE_URL",
                                                                         "database_url"))
    auto_migrate: bool = Field(default=True, description="Run `alembic upgrade head` when the app starts")
    # Where this chain's deployment records are; default <data_dir>/deployments/<chain_id>.
    deployments_path: Path | None = None

    # Indexer: blocks behind the head that count as final, poll period, eth_getLogs range.
    confirmations: int = Field(default=0, ge=0)
    poll_interval: float = Field(default=0.25, gt=0)
    log_chunk_blocks: int = Field(default=2000, ge=1)
    reorg_window: int = Field(default=128, ge=2, description="Recent block hashes kept to find a fork point")
    indexer_enabled: bool = True
    stale_after: float = Field(default=10.0, gt=0, description="Seconds without a successful poll → index is stale")

    # Periodic jobs (renewals, inactivity, mail): how often each process looks for due work.
    jobs_enabled: bool = True
    jobs_interval: float = Field(default=30.0, gt=0)

    # Venue passes (backend/venues/passes.py): how long a QR pass is valid, and how long before it runs out the
    # holder page fetches the next one (the page reads both from /web/config). The browser tests run them short.
    pass_lifetime: int = Field(default=90, ge=1, le=600, description="Seconds a venue pass is valid: long enough "
                               "to walk to the desk, short enough that a screenshot is useless later")
    pass_renew_margin: int = Field(default=15, ge=1, description="Seconds before a shown pass expires when the "
                                   "holder page fetches the next one")

    session_secret: str = Field(default=DEV_SECRET_PREFIX + "session-secret-change-me-0000000", repr=False)
    pass_secret: str = Field(default=DEV_SECRET_PREFIX + "pass-secret-change-me-00000000000", repr=False)
    discourse_sso_secret: str = Field(default=DEV_SECRET_PREFIX + "discourse-secret-change-me-00000", repr=False)
    # The key secrets kept in the database are encrypted under (backend/auth/sealed.py): forums' DiscourseConnect
    # secrets, staff TOTP seeds. Changing it makes them unreadable: rotate by re-issuing them.
    sealing_key: str = Field(default=DEV_SECRET_PREFIX + "sealing-key-change-me-000000000", repr=False)

    # Identity verification (backend/identity/verifier.py): the key of the nullifier HMAC (one per deployment,
    # never rotated: a new key makes every person look new), the audience assertions must name (default:
    # public_url), and the trusted providers' ES256K public keys {issuer: 0x-hex of the 64-byte key}. In
    # development and tests the built-in development provider (keyed from identity_secret) is trusted too.
    # Unset in production: identity verification answers 503 (nothing else needs it).
    identity_secret: str | None = Field(default=None, repr=False)
    identity_audience: str | None = None
    identity_providers: dict[str, str] = Field(default_factory=dict)

    # The key the backend signs its own transactions with (renewals, revocations, prefecture cards,
    # campaigns from the console); it needs ISSUER_ROLE on the cards. Unset: those features answer 503.
    issuer_key: SecretStr | None = Field(default=None, repr=False)

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

    public_url: str = "http://127.0.0.1:8000"
    siwe_domain: str = "127.0.0.1:8000"
    ipfs_api: str | None = None
    max_body_bytes: int = Field(default=1_000_000, ge=1024)

    # Command-line tools, not the backend: `make run`'s ports (tools/run_local.py), the key Brownie scripts deploy
    # with on a real network (unset: the node's first unlocked account), and the first administrator's password
    # for `python -m backend.auth.staff create-admin` (unset: asked on the terminal).
    rpc_port: int = Field(default=8545, ge=1, le=65_535)
    api_port: int = Field(default=8000, ge=1, le=65_535)
    deployer_key: SecretStr | None = Field(default=None, repr=False)
    admin_password: SecretStr | None = Field(default=None, repr=False)

    @field_validator("login_limits_per_login", "login_limits_per_address")
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        if not parse_many(value):  # ValueError if it is not "5/minute; 20/hour": at start, not at the first sign-in
            raise ValueError(f"no rate limit in {value!r}")
        return value

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> Settings:
        self.data_dir = Path(self.data_dir).resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'resident.db'}"
        if self.pass_renew_margin >= self.pass_lifetime:
            raise ValueError(f"RESIDENT_PASS_RENEW_MARGIN ({self.pass_renew_margin} s) must be shorter than "
                             f"RESIDENT_PASS_LIFETIME ({self.pass_lifetime} s): a pass would be renewed at once")
        if self.environment == "production":
            weak = [name for name in SECRET_FIELDS
                    if getattr(self, name).startswith(DEV_SECRET_PREFIX) or len(getattr(self, name)) < MIN_SECRET_LENGTH]
            if self.issuer_key is not None and self.issuer_key.get_secret_value().lower() == ANVIL_DEV_KEY:
                raise ValueError("production cannot use anvil's public development key as RESIDENT_ISSUER_KEY: "
                                 "set the municipality's issuer key (kept in a secret store)")
            if self.identity_secret is not None and (self.identity_secret.startswith(DEV_SECRET_PREFIX)
                                                     or len(self.identity_secret) < MIN_SECRET_LENGTH):
                weak.append("identity_secret")
            if weak:
                names = ", ".join("RESIDENT_" + n.upper() for n in weak)
                raise ValueError(f"production needs real secrets: set {names} to random strings of at least "
                                 f"{MIN_SECRET_LENGTH} characters (e.g. `python -c 'import secrets; "
                                 f"print(secrets.token_urlsafe(32))'`)")
        return self

    @property
    def identity_key(self) -> str | None:
        """The nullifier secret: RESIDENT_IDENTITY_SECRET, or a development default outside production."""
        if self.identity_secret is not None:
            return self.identity_secret
        return None if self.environment == "production" else DEV_SECRET_PREFIX + "identity-secret-change-me-00000"

    @property
    def deployments_dir(self) -> Path:
        """Deployment records of this chain: $RESIDENT_DEPLOYMENTS_PATH or <data_dir>/deployments/<chain_id>."""
        if self.deployments_path is not None:
            return Path(self.deployments_path).resolve()
        return self.data_dir / "deployments" / str(self.chain_id)
