"""Campaign files: the YAML staff write to create, update or close a minting campaign.

    collection: MINEDEMO                    # the collection's symbol (its deployment record)
    name: spring-2027                       # the campaign's name in our records
    name_ja: 春の住民募集 2027                # optional: what staff and holders see (default: name)
    name_en: Spring residents 2027
    start: 2026-12-01T10:00:00+09:00        # ISO 8601 with a time zone
    end: 2026-12-31T23:59:59+09:00
    price: "0.01"                           # in the native token (ether units); "0" = free
    supply: 500
    per_wallet: 1
    tier: 0
    validity_days: 365                      # 0 = cards never expire
    allowlist: allowlists/spring.csv        # optional, relative to this file; or allowlist_root: 0x...
    voucher: false                          # true = claims only with a voucher (one person, one card)

Every problem is reported at once, in English and Japanese. Nothing here needs Brownie.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend.errors import ResidentError
from backend.messages import english_first, texts

DAY = 86_400
WEI_PER_ETHER = 10**18
MAX_PRICE_WEI = 2**80 - 1  # what ResidentMinter stores
MAX_SUPPLY = 2**24 - 1
MAX_PER_WALLET = 2**16 - 1
MAX_TIER = 127
MAX_TIME = 2**32 - 1
_ROOT = re.compile(r"^0x[0-9a-fA-F]{64}$")

# pydantic's error types as the file's problems say them (backend/messages/campaigns.py).
_TYPES = {
    "missing": "config_missing", "extra_forbidden": "config_extra_forbidden", "int_parsing": "config_integer",
    "int_type": "config_integer", "int_from_float": "config_int_from_float", "bool_parsing": "config_boolean",
    "bool_type": "config_boolean", "string_type": "config_string", "greater_than_equal": "config_at_least",
    "less_than_equal": "config_at_most", "string_pattern_mismatch": "config_pattern",
    "string_too_short": "config_empty", "string_too_long": "config_too_long", "datetime_parsing": "config_datetime",
    "datetime_type": "config_datetime",
}


class CampaignConfigError(ResidentError):
    """Raised when a campaign file is missing or invalid; lists every problem."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = Path(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        said = texts("config_invalid_file", path=self.path)
        super().__init__(f"{said.en}\n{said.ja}\n{lines}")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(english_first("config_time_zone"))
    return value


def price_to_wei(value: Any) -> int:
    """An ether-units amount ("0.01", 0.01, 1) in wei, exactly."""
    if isinstance(value, bool) or value is None:
        raise ValueError(english_first("config_price_unit"))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(english_first("config_price_not_number", value=value)) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(english_first("config_price_negative", value=value))
    wei = amount * WEI_PER_ETHER
    if wei != wei.to_integral_value():
        raise ValueError(english_first("config_price_decimals", value=value))
    if wei > MAX_PRICE_WEI:
        raise ValueError(english_first("config_price_too_large", value=value))
    return int(wei)


class CampaignConfig(BaseModel):
    """A campaign as staff write it in YAML."""

    model_config = ConfigDict(extra="forbid")

    collection: str = Field(min_length=1, max_length=11, pattern=r"^[A-Z0-9]+$")
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    # What the console and the holder page show; the campaign's `name` when not given.
    name_ja: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    start: datetime
    end: datetime
    price: Any = "0"
    supply: int = Field(ge=1, le=MAX_SUPPLY)
    per_wallet: int = Field(default=1, ge=1, le=MAX_PER_WALLET)
    tier: int = Field(default=0, ge=0, le=MAX_TIER)
    validity_days: int = Field(default=0, ge=0, le=MAX_TIME // DAY)
    allowlist: str | None = None
    allowlist_root: str | None = None
    voucher: bool = False
    paused: bool = False

    _check_start = field_validator("start", "end")(_aware)

    @field_validator("price")
    @classmethod
    def _check_price(cls, value: Any) -> int:
        return price_to_wei(value)

    @field_validator("allowlist_root", mode="before")
    @classmethod
    def _check_root(cls, value: Any) -> str | None:
        if isinstance(value, int):  # YAML reads an unquoted 0x... as a number and drops leading zeros
            raise ValueError(english_first("config_root_quotes"))
        if value is not None and not _ROOT.match(value):
            raise ValueError(english_first("config_root_form"))
        return value

    @property
    def shown_names(self) -> tuple[str, str]:
        """(Japanese, English) names as people see them."""
        return self.name_ja or self.name, self.name_en or self.name

    @property
    def price_wei(self) -> int:
        return self.price

    def settings(self, root: bytes | None = None) -> tuple:
        """ResidentMinter's Campaign tuple; `root` is the allowlist's (built from the CSV), if any."""
        if root is None and self.allowlist_root:
            root = bytes.fromhex(self.allowlist_root[2:])
        return (
            int(self.start.timestamp()),
            int(self.end.timestamp()),
            self.price,
            self.supply,
            self.per_wallet,
            self.tier,
            self.validity_days * DAY,
            0,
            "0x" + (root or bytes(32)).hex(),
            self.voucher,
            self.paused,
        )


def _cross_problems(raw: dict[str, Any]) -> list[str]:
    """Rules between fields, checked on the raw values so they are reported with the field errors."""
    problems = []
    start, end = raw.get("start"), raw.get("end")
    if isinstance(start, datetime) and isinstance(end, datetime) and start.tzinfo and end.tzinfo and end <= start:
        problems.append("end: " + english_first("config_end_before_start"))
    if raw.get("allowlist") and raw.get("allowlist_root"):
        problems.append("allowlist: " + english_first("config_allowlist_twice"))
    if raw.get("voucher") is True and (raw.get("allowlist") or raw.get("allowlist_root")):
        problems.append("voucher: " + english_first("config_voucher_allowlist"))
    return problems


def _describe(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "(top)"
    message = err["msg"].removeprefix("Value error, ")
    if "/" in message:  # ours: already bilingual
        return f"{where}: {message}"
    code = _TYPES.get(err["type"])
    return f"{where}: {english_first(code, **err.get('ctx', {}))}" if code else f"{where}: {message}"


def load_campaign_config(path: Path | str) -> CampaignConfig:
    """Reads and validates a campaign file; every problem is reported at once."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CampaignConfigError(path, [english_first("config_no_file")]) from None
    except yaml.YAMLError as exc:
        raise CampaignConfigError(path, [english_first("config_not_yaml", reason=exc)]) from None
    if not isinstance(raw, dict):
        raise CampaignConfigError(path, [english_first("config_not_mapping")])
    problems = _cross_problems(raw)
    try:
        config = CampaignConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()] + problems
        raise CampaignConfigError(path, problems) from None
    if problems:
        raise CampaignConfigError(path, problems)
    return config


def allowlist_path(config: CampaignConfig, config_path: Path | str) -> Path | None:
    """The allowlist CSV of `config`, relative to the campaign file's folder."""
    if not config.allowlist:
        return None
    return (Path(config_path).parent / config.allowlist).resolve()


def allowlist_entries(path: Path) -> list[tuple[str, int | None, int | None]]:
    """(address, price in wei or None, limit or None) per row of the allowlist CSV at `path`.

    Read by `backend.campaigns.csvfile` (Shift_JIS / UTF-8 with BOM, Japanese headers, every problem with
    its row); raises its CsvFileError.
    """
    from backend.campaigns.csvfile import read_allowlist

    return [(row.address, row.price_wei, row.max_claims) for row in read_allowlist(path)]
