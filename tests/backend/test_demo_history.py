"""`make run`'s year of demo history (backend/demo_history.py through backend/demo.py's seed): real cards on a
chain whose blocks carry the past year's times, history off the chain for them, the demo mark; once only."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import func, select

from backend import demo_history
from backend.civic.kpis import turnout_summary
from backend.db.models_chain import Card
from backend.db.models_civic import Ballot, Poll
from backend.db.models_demo import DemoData
from backend.db.models_perks import Redemption
from backend.db.models_residency import CheckIn
from backend.demo import seed
from backend.perks.rules import JST
from backend.settings import Settings
from backend.staff.export import DEMO_COLUMN, DEMO_VALUE, kpi_series_csv, redemptions_csv
from backend.staff.kpi_series import kpi_series
from tests.backend.localchain import Anvil, LocalChain
from tests.backend.production import production_settings

NOW = time.time()


@pytest.fixture(scope="module")
def history_chain(tmp_path_factory):
    """What scripts/demo.py does with history, with web3: a chain started a year back, the three demo cards,
    then the schedule's issues and revocations, each in a block at its time, then back to now."""
    node = Anvil(extra=["--timestamp", str(demo_history.genesis_time(NOW))])
    chain = LocalChain(node.url, tmp_path_factory.mktemp("history-chain"))
    collection = chain.deploy("MINEDEMO", soulbound=True, max_cards_per_wallet=1, name_ja="美祢市", name_en="Mine City")
    collection.issue_batch([k.address for k in chain.keys[1:4]])
    tokens = {}
    for action in demo_history.schedule(demo_history.history_start(NOW)):
        chain.rpc("evm_setNextBlockTimestamp", [action.at])
        if isinstance(action, demo_history.Issue):
            first = collection.issue_batch([demo_history.holder_address(n) for n in action.holders], action.tier,
                                           action.expires_at)
            tokens.update({n: first + i for i, n in enumerate(action.holders)})
        else:
            collection.revoke(tokens[action.holder])
    chain.rpc("evm_setNextBlockTimestamp", [int(time.time()) + 1])
    chain.mine()
    chain.collection = collection
    yield chain
    node.stop()


def test_the_seed_makes_a_year_of_history_once(db_sessions, history_chain, tmp_path):
    settings = Settings(_env_file=None, environment="development", data_dir=tmp_path, rpc_url=history_chain.rpc_url,
                        chain_id=31337)
    first = seed(db_sessions, settings, history_chain.collection.record_file, history=True)
    assert "demo history:" in first.summary() and "demo data" in first.summary()

    def counts(db):
        return [db.scalar(select(func.count()).select_from(t)) for t in (Card, Redemption, CheckIn, Ballot, Poll)]

    with db_sessions() as db:
        cards, redemptions, checkins, ballots, polls = once = counts(db)
        assert 250 <= cards <= 400  # three demo holders' cards and a few hundred of history
        assert 300 <= redemptions <= 1500 and 80 <= checkins <= 400 and 40 <= ballots <= 150
        assert polls == 2  # the open demo poll (backend/civic/demo.py) and the history's closed one
        mark = db.get(DemoData, first.municipality_id)
        assert mark is not None and mark.history_from is not None

        # Issue dates over the twelve months (from the chain's block times), uses in the last month too.
        issued = sorted(db.scalars(select(Card.issued_at)))
        months = {datetime.fromtimestamp(t, JST).strftime("%Y-%m") for t in issued}
        assert len(months) >= 12 and issued[-1] - issued[3] > 330 * 86400
        assert issued[3] >= NOW - 366 * 86400
        used = sorted(db.scalars(select(Redemption.redeemed_at)))
        assert used[0] >= issued[0] and used[-1] <= time.time() and used[-1] > NOW - 30 * 86400
        history = kpi_series(db, first.municipality_id, days=365)
        assert history["cards"]["issued"][0] < 30 and history["cards"]["issued"][-1] == cards
        assert history["cards"]["valid"][-1] < history["cards"]["issued"][-1]  # revoked and lapsed cards
        by_month = [sum(history["redemptions"]["total"][i:i + 30]) for i in range(0, 360, 30)]
        assert sum(1 for n in by_month if n > 0) >= 11, by_month

        closed = db.scalar(select(Poll).where(Poll.title_en == demo_history.POLL_TITLE_EN))
        assert closed.closes_at < NOW
        turnout = turnout_summary(db, first.municipality_id, NOW, int(NOW) - 365 * 86400)
        assert turnout["polls_closed"] == 1 and 0.1 < turnout["turnout_last_poll"] < 0.6
        # The exports of a demo municipality carry the mark on every row (backend/api/staff/reports.py passes it).
        rows = redemptions_csv(db, first.municipality_id, history["days"][0], history["days"][-1], demo=True) \
            .decode("utf-8-sig").splitlines()
        assert len(rows) == redemptions + 1 and all(r.endswith(DEMO_VALUE) for r in rows[1:])
        assert rows[0].endswith(DEMO_COLUMN)
        assert DEMO_COLUMN not in kpi_series_csv(history).decode("utf-8-sig")
        assert kpi_series_csv(history, demo=True).decode("utf-8-sig").splitlines()[-1].endswith(DEMO_VALUE)
        ballot = db.scalar(select(Ballot).where(Ballot.poll_id == closed.id))
        from backend.civic import ballots as rules

        assert rules.signed_by(ballot.typed_data, rules.decode_signature(ballot.signature), ballot.voter)

    second = seed(db_sessions, settings, history_chain.collection.record_file, history=True)
    assert "demo history:" not in second.summary()
    with db_sessions() as db:
        assert counts(db) == once


def test_production_refuses_demo_history(tmp_path):
    with pytest.raises(ValueError, match="RESIDENT_DEMO_HISTORY"):
        production_settings(tmp_path, demo_history=True)
    assert production_settings(tmp_path).seeds_demo_history is False
