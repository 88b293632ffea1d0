"""The browser libraries the pages use, copied from node_modules into static/vendor/ (tools/build_web.py).

One list, read by the build step and by the page routes (a page whose library is missing answers a clear
error instead of a page that silently breaks).
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


VENDOR_FILES = (
    VendorFile("chart.umd.min.js", "chart.js/dist/chart.umd.min.js", "chart.js/LICENSE.md"),
    VendorFile("zxing-library.min.js", "@zxing/library/umd/index.min.js", "@zxing/library/LICENSE"),
    VendorFile("zxing-browser.min.js", "@zxing/browser/umd/zxing-browser.min.js", "@zxing/browser/LICENSE"),
    # /docs (backend/web/api_docs.py); Apache-2.0, whose NOTICE goes with the copies.
    VendorFile("swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-dist/LICENSE"),
    VendorFile("swagger-ui.css", "swagger-ui-dist/swagger-ui.css", "swagger-ui-dist/LICENSE"),
    VendorFile("swagger-ui.NOTICE.txt", "swagger-ui-dist/NOTICE", "swagger-ui-dist/LICENSE"),
)


def license_name(file: VendorFile) -> str:
    """Where a library's license is copied: <name without its extension>.LICENSE.txt beside it."""
    return Path(file.name).stem + ".LICENSE.txt"


def missing(names: tuple[str, ...] | list[str], vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Which of these vendored files are not in place."""
    return [name for name in names if not (vendor_dir / name).is_file()]
