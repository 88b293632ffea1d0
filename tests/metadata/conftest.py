"""A real IPFS node (js-ipfs from node_modules) shared by the metadata tests."""

import pytest

from tools.ipfs_node import IpfsNodeProcess


@pytest.fixture(scope="session")
def ipfs_process(tmp_path_factory):
    with IpfsNodeProcess(tmp_path_factory.mktemp("ipfs-node")) as node:
        yield node


@pytest.fixture(scope="session")
def ipfs_node(ipfs_process):
    from metadata.ipfs import IpfsNode

    return IpfsNode(ipfs_process.api, timeout=20)
