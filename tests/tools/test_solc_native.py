"""tools/solc-native.js answers as native solc does for py-solc-x, Brownie and Slither."""

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "tools" / "solc-native.js"
REMAPPINGS = ["@openzeppelin/=node_modules/@openzeppelin/", "solady/=node_modules/solady/src/"]


def compile_json(sources, selection, cwd=ROOT):
    request = {"language": "Solidity", "sources": sources,
               "settings": {"remappings": REMAPPINGS, "outputSelection": {"*": {"*": selection, "": ["ast"]}}}}
    result = subprocess.run([str(WRAPPER), "--standard-json", "--allow-paths", str(ROOT)], input=json.dumps(request),
                            capture_output=True, text=True, cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_version_looks_like_a_native_linux_build():
    out = subprocess.run([str(WRAPPER), "--version"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Version: 0\.8\.30\+commit\.[0-9a-f]{8}\.Linux\.g\+\+$", out, re.M)


def test_large_output_arrives_whole():
    # Everything solc can emit for the whole contract: several megabytes of
    # JSON, which a process.exit() after the write would cut short.
    out = compile_json({"contracts/ResidentCard.sol": {"urls": ["contracts/ResidentCard.sol"]}},
                       ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.legacyAssembly", "evm.methodIdentifiers"])
    assert len(out) > 2_000_000
    output = json.loads(out)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    card = output["contracts"]["contracts/ResidentCard.sol"]["ResidentCard"]
    assert len(card["evm"]["bytecode"]["object"]) > 10_000


def test_missing_import_is_a_compiler_error_not_a_crash():
    out = compile_json({"a.sol": {"content": 'pragma solidity ^0.8.0; import "./nowhere.sol";'}}, ["abi"])
    errors = json.loads(out)["errors"]
    assert any("nowhere.sol" in e["message"] for e in errors)


def test_other_modes_are_refused_with_advice():
    result = subprocess.run([str(WRAPPER), "contracts/ResidentCard.sol"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "--standard-json" in result.stderr


def test_files_outside_allowed_directories_are_refused(tmp_path):
    outside = tmp_path / "secret.sol"
    outside.write_text("pragma solidity ^0.8.0; contract S {}")
    out = compile_json({"a.sol": {"content": f'pragma solidity ^0.8.0; import "{outside}";'}}, ["abi"])
    errors = json.loads(out)["errors"]
    assert any("outside the allowed directories" in e["message"] for e in errors)
