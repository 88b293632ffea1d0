"""Copy the browser libraries the web pages use from node_modules into backend/web/static/vendor/, and
subset the pages' web font (BIZ UDPGothic, backend/web/webfont.py) into vendor/fonts/.

    python tools/build_web.py        (`make setup` runs it)

No bundler and no CDN: the pages load these files from this backend. Each library's license is copied
beside it; a file with replacements (backend/web/vendor.py: a bare ES-module import made relative) is
copied with them. Exits 1, naming what is missing, when `npm ci` has not installed a package.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.web import webfont  # noqa: E402
from backend.web.vendor import VENDOR_DIR, VENDOR_FILES, license_name, vendored_text  # noqa: E402


def build(node_modules: Path = ROOT / "node_modules", vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """Copies every vendored file and its license; returns the files written. Raises FileNotFoundError
    naming every missing source, ValueError when a replacement no longer fits its file."""
    absent = [str(node_modules / path) for file in VENDOR_FILES for path in (file.source, file.license)
              if not (node_modules / path).is_file()]
    if absent:
        raise FileNotFoundError("missing in node_modules (run `npm ci` or `make setup`): " + ", ".join(absent))
    written = []
    for file in VENDOR_FILES:
        target, license_copy = vendor_dir / file.name, vendor_dir / license_name(file)
        target.parent.mkdir(parents=True, exist_ok=True)
        if file.replace:
            target.write_text(vendored_text(file, (node_modules / file.source).read_text(encoding="utf-8")),
                              encoding="utf-8")
        else:
            shutil.copyfile(node_modules / file.source, target)
        shutil.copyfile(node_modules / file.license, license_copy)
        written += [target, license_copy]
    return written


def main() -> int:
    try:
        written = build()
    except (FileNotFoundError, ValueError) as exc:
        print(f"build_web: {exc}", file=sys.stderr)
        return 1
    fonts = webfont.build()
    size = sum(path.stat().st_size for path in fonts if path.suffix == ".woff2")
    print(f"build_web: {len(written)} files in {VENDOR_DIR.relative_to(ROOT)}, "
          f"{len(fonts)} in {webfont.FONT_DIR.relative_to(ROOT)} ({size // 1024} kB of fonts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
