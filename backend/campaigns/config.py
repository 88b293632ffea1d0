"""Campaign files: the YAML staff write to create, update or close a minting campaign.

    collection: MINEDEMO                    # the collection's symbol (its deployment record)
    name: spring-2027                       # the campaign's name in our records
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

DAY = 86_400
WEI_PER_ETHER = 10**18
MAX_PRICE_WEI = 2**80 - 1  # what ResidentMinter stores
MAX_SUPPLY = 2**24 - 1
MAX_PER_WALLET = 2**16 - 1
MAX_TIER = 127
MAX_TIME = 2**32 - 1
_ROOT = re.compile(r"^0x[0-9a-fA-F]{64}$")

# Japanese for pydantic's own error types; our validators write both languages themselves.
_JA = {
    "missing": "必須項目です。書き足してください",
    "extra_forbidden": "知らない項目です。綴りを確認してください",
    "int_parsing": "整数で書いてください",
    "int_type": "整数で書いてください",
    "int_from_float": "整数で書いてください（小数は使えません）",
    "bool_parsing": "true か false で書いてください",
    "bool_type": "true か false で書いてください",
    "string_type": "文字列で書いてください",
    "greater_than_equal": "{ge} 以上にしてください",
    "less_than_equal": "{le} 以下にしてください",
    "string_pattern_mismatch": "使える文字は英数字・ハイフン・アンダースコアです",
    "string_too_short": "空にできません",
    "string_too_long": "長すぎます",
    "datetime_parsing": "日時は 2026-12-01T10:00:00+09:00 の形で書いてください",
    "datetime_type": "日時は 2026-12-01T10:00:00+09:00 の形で書いてください",
}


class CampaignConfigError(ResidentError):
    """Raised when a campaign file is missing or invalid; lists every problem."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = Path(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"{self.path}: the campaign file is not valid; fix these and run again.\n"
            f"{self.path}: キャンペーン設定に問題があります。次の点を直してから、もう一度実行してください。\n{lines}"
        )


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("add a time zone, e.g. 2026-12-01T10:00:00+09:00 / タイムゾーンを付けてください（例 +09:00）")
    return value


def price_to_wei(value: Any) -> int:
    """An ether-units amount ("0.01", 0.01, 1) in wei, exactly."""
    if isinstance(value, bool) or value is None:
        raise ValueError('write the price in the native token, e.g. "0.01" / 価格はトークン単位で書いてください（例 "0.01"）')
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a number; write e.g. "0.01" / 「{value}」は数値ではありません（例 "0.01"）') from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"the price must be 0 or more (got {value}) / 価格は0以上にしてください")
    wei = amount * WEI_PER_ETHER
    if wei != wei.to_integral_value():
        raise ValueError(f"{value} has more than 18 decimals / 小数点以下は18桁までです")
    if wei > MAX_PRICE_WEI:
        raise ValueError(f"{value} is above the largest price the minter stores (1,208,925) / 価格が上限を超えています")
    return int(wei)


class CampaignConfig(BaseModel):
    """A campaign as staff write it in YAML."""

    model_config = ConfigDict(extra="forbid")

    collection: str = Field(min_length=1, max_length=11, pattern=r"^[A-Z0-9]+$")
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
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
            raise ValueError("put the root in quotes, e.g. allowlist_root: '0xabc…' / ルートは引用符で囲んでください")
        if value is not None and not _ROOT.match(value):
            raise ValueError("must be 0x and 64 hex digits (a Merkle root) / 0xと16進数64桁で書いてください")
        return value

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
        problems.append("end: must be after start / 終了日時は開始日時より後にしてください")
    if raw.get("allowlist") and raw.get("allowlist_root"):
        problems.append("allowlist: give allowlist (a CSV) or allowlist_root, not both / "
                        "allowlist と allowlist_root はどちらか一方だけにしてください")
    if raw.get("voucher") is True and (raw.get("allowlist") or raw.get("allowlist_root")):
        problems.append("voucher: a voucher campaign has no allowlist (the voucher decides who claims) / "
                        "バウチャー方式のキャンペーンには許可リストを付けられません")
    return problems


def _describe(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "(top)"
    message = err["msg"].removeprefix("Value error, ")
    if "/" in message:  # ours: already bilingual
        return f"{where}: {message}"
    ja = _JA.get(err["type"])
    return f"{where}: {message} / {ja.format(**err.get('ctx', {}))}" if ja else f"{where}: {message}"


def load_campaign_config(path: Path | str) -> CampaignConfig:
    """Reads and validates a campaign file; every problem is reported at once."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CampaignConfigError(path, ["the file does not exist; copy one in config/campaigns/ / "
                                         "ファイルがありません。config/campaigns/ の例をコピーしてください"]) from None
    except yaml.YAMLError as exc:
        raise CampaignConfigError(path, [f"not valid YAML: {exc} / YAMLとして読めません"]) from None
    if not isinstance(raw, dict):
        raise CampaignConfigError(path, ["expected fields such as collection, name, start, end / "
                                         "collection・name・start・end などの項目が必要です"])
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
