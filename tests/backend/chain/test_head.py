"""The shared head read (backend/chain/head.py): every asker gets a read that began after it asked, concurrent
askers share one, and an unreadable or slow node gives None."""

from __future__ import annotations

import asyncio
import threading
import time

from backend.chain.head import SharedHead
from backend.errors import ChainError


class GatedNode:
    """eth_blockNumber that blocks until the test opens the gate, answering the head at the moment it began."""

    def __init__(self) -> None:
        self.head = 10
        self.started: list[int] = []  # the head each read saw as it began
        self.gates: list[threading.Event] = []
        self.lock = threading.Lock()

    def read(self) -> int:
        with self.lock:
            seen = self.head
            self.started.append(seen)
            gate = threading.Event()
            self.gates.append(gate)
        assert gate.wait(5)
        return seen

    def open(self, index: int) -> None:
        deadline = time.monotonic() + 5
        while len(self.gates) <= index:
            assert time.monotonic() < deadline
            time.sleep(0.001)
        self.gates[index].set()


def test_a_read_in_flight_before_the_ask_is_not_used_and_later_askers_share_one():
    node = GatedNode()
    heads = SharedHead(node.read)

    async def scenario():
        first = heads.ask()  # starts read 0, which sees block 10
        await asyncio.sleep(0.01)
        node.head = 11  # a transfer is mined while read 0 is in flight
        later = [heads.ask() for _ in range(50)]
        await asyncio.to_thread(node.open, 0)
        assert await first == 10
        await asyncio.to_thread(node.open, 1)
        return await asyncio.gather(*later)

    assert asyncio.run(scenario()) == [11] * 50
    assert node.started == [10, 11]  # 51 askers, two reads


def test_an_unreadable_head_is_none():
    def down() -> int:
        raise ChainError("http://node", "connection refused")

    async def ask():
        return await SharedHead(down).ask()

    assert asyncio.run(ask()) is None


def test_a_head_that_does_not_come_in_time_is_none_and_the_next_ask_reads_again():
    node = GatedNode()
    heads = SharedHead(node.read, timeout=0.05)

    async def scenario():
        slow = await heads.ask()
        node.open(0)
        await asyncio.sleep(0.05)  # read 0 ends; read 1 starts for the next asker
        node.head = 12
        fresh = heads.ask()
        await asyncio.to_thread(node.open, 1)
        return slow, await fresh

    assert asyncio.run(scenario()) == (None, 12)
