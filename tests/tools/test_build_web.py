"""tools/build_web.py copies the pages' browser libraries and their licenses from node_modules."""

import pytest

from backend.web.vendor import VENDOR_FILES, license_name
from tools.build_web import ROOT, build


def test_build_copies_every_library_and_its_license(tmp_path):
    written = build(ROOT / "node_modules", tmp_path)
    assert len(written) == 2 * len(VENDOR_FILES)
    for file in VENDOR_FILES:
        assert (tmp_path / file.name).read_bytes() == (ROOT / "node_modules" / file.source).read_bytes()
        assert (tmp_path / license_name(file)).stat().st_size > 0


def test_build_names_what_npm_has_not_installed(tmp_path):
    with pytest.raises(FileNotFoundError, match="npm ci.*chart.js/dist/chart.umd.min.js"):
        build(tmp_path / "node_modules", tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()
