"""The browser libraries the pages use, copied from node_modules into static/vendor/ (tools/build_web.py).

One list, read by the build step and by the page routes (a page whose library is missing answers a clear
error instead of a page that silently breaks). Most are classic scripts a page's template loads; keccak-256
(@noble/hashes) is four ES modules the pages' own modules import (static/js/erc7739.js), served as they are:
no bundler, so the one bare import among them is made relative when copied (`replace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"


@dataclass(frozen=True)
class VendorFile:
    name: str  # the file's name under static/vendor/ (served at /static/vendor/<name>)
    source: str  # its path under node_modules/
    license: str  # the package's license file under node_modules/
    # (what the package's file says, what the copy says instead): text replaced at copy time, each found once
    replace: tuple[tuple[str, str], ...] = ()


VENDOR_FILES = (
    VendorFile("chart.umd.min.js", "chart.js/dist/chart.umd.min.js", "chart.js/LICENSE.md"),
    VendorFile("zxing-library.min.js", "@zxing/library/umd/index.min.js", "@zxing/library/LICENSE"),
    VendorFile("zxing-browser.min.js", "@zxing/browser/umd/zxing-browser.min.js", "@zxing/browser/LICENSE"),
    # /docs (backend/web/api_docs.py); Apache-2.0, whose NOTICE goes with the copies.
    VendorFile("swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-dist/LICENSE"),
    VendorFile("swagger-ui.css", "swagger-ui-dist/swagger-ui.css", "swagger-ui-dist/LICENSE"),
    VendorFile("swagger-ui.NOTICE.txt", "swagger-ui-dist/NOTICE", "swagger-ui-dist/LICENSE"),
    # keccak-256 for the passkey's ERC-7739 challenges (static/js/erc7739.js): sha3.js and what it imports.
    VendorFile("noble-hashes/sha3.js", "@noble/hashes/esm/sha3.js", "@noble/hashes/LICENSE"),
    VendorFile("noble-hashes/_u64.js", "@noble/hashes/esm/_u64.js", "@noble/hashes/LICENSE"),
    # utils.js imports the bare specifier '@noble/hashes/crypto', which only a bundler or Node (the package's
    # "exports" map) resolves; a browser refuses it. Its browser target is esm/crypto.js (globalThis.crypto),
    # so the copy imports that file beside it.
    VendorFile("noble-hashes/utils.js", "@noble/hashes/esm/utils.js", "@noble/hashes/LICENSE",
               replace=(("from '@noble/hashes/crypto';", "from './crypto.js';"),)),
    VendorFile("noble-hashes/crypto.js", "@noble/hashes/esm/crypto.js", "@noble/hashes/LICENSE"),
)
KECCAK_MODULES = tuple(file.name for file in VENDOR_FILES if file.name.startswith("noble-hashes/"))


def license_name(file: VendorFile) -> str:
    """Where a library's license is copied: <name without its extension>.LICENSE.txt beside it."""
    name = Path(file.name)
    return str(name.with_name(name.stem + ".LICENSE.txt"))


def vendored_text(file: VendorFile, source: str) -> str:
    """The copy's text of a file with replacements (ValueError when the package no longer says what is replaced)."""
    for old, new in file.replace:
        if source.count(old) != 1:
            raise ValueError(f"{file.source}: expected {old!r} once to replace, found it {source.count(old)} times "
                             "(has the npm package changed?)")
        source = source.replace(old, new)
    return source


def missing(names: tuple[str, ...] | list[str], vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Which of these vendored files are not in place."""
    return [name for name in names if not (vendor_dir / name).is_file()]
