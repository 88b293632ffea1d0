"""tools/build_web.py copies the pages' browser libraries and their licenses from node_modules."""

import re

import pytest

from backend.web.vendor import KECCAK_MODULES, VENDOR_FILES, VendorFile, license_name, vendored_text
from tools.build_web import ROOT, build


def test_build_copies_every_library_and_its_license(tmp_path):
    written = build(ROOT / "node_modules", tmp_path)
    assert len(written) == 2 * len(VENDOR_FILES)
    for file in VENDOR_FILES:
        source = ROOT / "node_modules" / file.source
        if file.replace:
            assert (tmp_path / file.name).read_text() == vendored_text(file, source.read_text())
        else:
            assert (tmp_path / file.name).read_bytes() == source.read_bytes()
        assert (tmp_path / license_name(file)).stat().st_size > 0


def test_the_vendored_es_modules_import_only_files_beside_them(tmp_path):
    """A browser resolves no bare specifier ('@noble/hashes/crypto') without a bundler or an import map."""
    build(ROOT / "node_modules", tmp_path)
    for name in KECCAK_MODULES:
        text = (tmp_path / name).read_text()
        for specifier in re.findall(r"""^(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]""", text, re.M):
            assert specifier.startswith("./") and (tmp_path / name).with_name(specifier[2:]).is_file(), (name, specifier)
    assert "from './crypto.js'" in (tmp_path / "noble-hashes" / "utils.js").read_text()


def test_a_replacement_the_package_no_longer_fits_is_refused():
    file = VendorFile("x.js", "pkg/x.js", "pkg/LICENSE", replace=(("from 'pkg/crypto';", "from './crypto.js';"),))
    with pytest.raises(ValueError, match="has the npm package changed"):
        vendored_text(file, "import { crypto } from './elsewhere.js';")


def test_build_names_what_npm_has_not_installed(tmp_path):
    with pytest.raises(FileNotFoundError, match="npm ci.*chart.js/dist/chart.umd.min.js"):
        build(tmp_path / "node_modules", tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()
