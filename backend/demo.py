"""Demo data for `make run`: Mine City (美祢市) with its perks, venues, a staff admin and venue desk logins.

    from backend.demo import seed
    demo = seed(session_factory, settings, record)   # idempotent
    print(demo.summary())

The passwords below are for the local demo only (development settings); the
seed refuses to run when settings.environment is "production".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from backend.db.models_perks import Perk, Venue, VenueAccount
from backend.chain.deployments import DeploymentRecord, register_record
from backend.perks.store import create_perk
from backend.venues.accounts import create_account

# A Discourse on its development port; its admin sets "discourse connect url" to <backend>/forum/sso and
# "discourse connect secret" to the forum's own secret (printed by the first seed; rotated in the console's
# Community tab), and creates the groups minedemo_holders, minedemo_tier_0 and minedemo_tier_1.
DEMO_FORUM_URL = "http://127.0.0.1:4200"
STAFF_LOGIN = "admin"
STAFF_PASSWORD = "demo-admin-password"
VENUES = [
    # (name_ja, name_en, login, password)
    ("秋芳洞", "Akiyoshi-do Cave", "cave-desk", "demo-cave-password"),
    ("美祢市コワーキングスペース", "Mine Coworking Space", "cowork-desk", "demo-cowork-password"),
]
PERKS = [
    dict(name_ja="秋芳洞 入場無料", name_en="Akiyoshi-do Cave: free entry", kind="venue_entry",
         description_ja="通常1,300円の入洞料が無料になります（1日1回）。",
         description_en="Free entry to the cave, normally 1,300 yen (once a day).",
         limit_count=1, limit_period="day", venues=["Akiyoshi-do Cave"]),
    dict(name_ja="コワーキングスペース 1日利用", name_en="Coworking space: day pass", kind="discount",
         description_ja="コワーキングスペースを住民料金で1日利用できます（年12回まで）。",
         description_en="A day at the coworking space at the resident price (12 times a year).",
         limit_count=12, limit_period="year", venues=["Mine Coworking Space"]),
    dict(name_ja="デジタル住民フォーラム", name_en="Digital residents' forum", kind="online_access",
         description_ja="デジタル住民限定のオンラインコミュニティに参加できます。",
         description_en="Join the online community for digital residents.",
         limit_count=None, limit_period="unlimited", venues=[]),
]


@dataclass
class DemoSeed:
    municipality_id: int
    collection_id: int
    perk_ids: dict[str, int] = field(default_factory=dict)
    venue_ids: dict[str, int] = field(default_factory=dict)
    credentials: list[tuple[str, str, str]] = field(default_factory=list)  # (who, login, password)
    forum: str = ""
    forum_secret: str | None = None  # only when this seed registered the forum
    residency: list[str] = field(default_factory=list)  # backend/residency/demo.py
    history: str = ""  # backend/demo_history.py, when this seed added it
    rpc_url: str = "http://127.0.0.1:8545"  # the chain a holder's wallet adds (Settings.rpc_url)
    chain_id: int = 31337

    def summary(self) -> str:
        lines = ["Demo accounts (local only):"]
        lines += [f"  {who:<28} login {login:<12} password {password}" for who, login, password in self.credentials]
        lines += ["  staff: sign in at /console   venue desk: sign in at /desk (a phone's browser works)",
                  f"  holders: a browser wallet (e.g. MetaMask) with the local network (RPC {self.rpc_url}, chain "
                  f"{self.chain_id}) and one of anvil's public test keys imported; accounts 1-3 hold demo cards, e.g. "
                  "account 1:",
                  "    0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d (test key, never use elsewhere)"]
        if self.forum:
            secret = self.forum_secret or "shown when first seeded; rotate it in the console's Community tab"
            lines += [f"  forum (DiscourseConnect) at {self.forum}: discourse connect url = <backend>/forum/sso, "
                      f"discourse connect secret = {secret}"]
        lines += self.residency
        if self.history:
            lines.append(self.history)
        lines.append("  All of this is demo data, marked as such in the database and shown so in the console.")
        return "\n".join(lines)


def seed(session_factory, settings, collection_record: DeploymentRecord | Path | str,
         history: bool = False) -> DemoSeed:
    """Adds the demo municipality's collection, venues, perks and accounts, unless they already exist, and
    marks its data (and its prefecture's) as demo data. With `history`, indexes the chain (scripts/demo.py
    issued the history's cards) and adds the year of history off the chain, once."""
    if getattr(settings, "environment", "development") == "production":
        raise RuntimeError("the demo seed has fixed passwords and must not run in production")
    record = collection_record if isinstance(collection_record, DeploymentRecord) \
        else DeploymentRecord.read(collection_record)
    path = None if isinstance(collection_record, DeploymentRecord) else Path(collection_record)
    from backend.auth.staff import create_admin

    with session_factory() as db:
        collection = register_record(db, record, path)
        demo = DemoSeed(collection.municipality_id, collection.id, rpc_url=settings.rpc_url,
                        chain_id=settings.chain_id)
        create_admin(db, STAFF_LOGIN, STAFF_PASSWORD, municipality_id=None)
        demo.credentials.append(("staff admin (superuser)", STAFF_LOGIN, STAFF_PASSWORD))
        for name_ja, name_en, login, password in VENUES:
            venue = db.scalar(select(Venue).where(Venue.municipality_id == collection.municipality_id,
                                                  Venue.name_en == name_en))
            if venue is None:
                venue = Venue(municipality_id=collection.municipality_id, name_ja=name_ja, name_en=name_en)
                db.add(venue)
                db.flush()
            demo.venue_ids[name_en] = venue.id
            if db.scalar(select(VenueAccount.id).where(VenueAccount.login == login)) is None:
                create_account(db, venue, login, password)
            demo.credentials.append((f"venue desk: {name_en}", login, password))
        for spec in PERKS:
            spec = dict(spec)
            venue_names = spec.pop("venues")
            perk = db.scalar(select(Perk).where(Perk.collection_id == collection.id, Perk.name_en == spec["name_en"]))
            if perk is None:
                perk = create_perk(db, collection, spec, [demo.venue_ids[n] for n in venue_names])
            demo.perk_ids[spec["name_en"]] = perk.id
        from backend.forum import register_forum

        registered = register_forum(db, collection.id, DEMO_FORUM_URL, sealing_key=settings.sealing_key,
                                    name="Mine digital residents", group_prefix=record.symbol.lower(), max_tier=1)
        demo.forum, demo.forum_secret = DEMO_FORUM_URL, registered.secret
        from backend.residency.demo import seed_residency

        demo.residency = seed_residency(db, settings, collection)

        from backend.civic.demo import seed_civic

        seed_civic(db, collection.municipality_id, collection.id)  # an open poll and a welcome note
        from backend.demo_mark import mark_demo

        for municipality_id in demo_municipalities(db, settings, collection):
            mark_demo(db, municipality_id, time.time())
        db.commit()
    if history:
        demo.history = _seed_history(session_factory, settings, collection.id)
    return demo


def demo_municipalities(db, settings, collection) -> set[int]:
    """The demo city and, when deployed, its prefecture (backend/residency/demo.py)."""
    from backend.db.models_chain import Collection
    from backend.residency.demo import PREFECTURE_SYMBOL

    prefecture = db.scalar(select(Collection.municipality_id).where(Collection.chain_id == settings.chain_id,
                                                                    Collection.symbol == PREFECTURE_SYMBOL))
    return {collection.municipality_id} | ({prefecture} if prefecture is not None else set())


def _seed_history(session_factory, settings, collection_id: int) -> str:
    """The history's cards must be in the index before rows can point at them: index now, then let go of
    the indexer's lease so the backend's own indexer takes over at once."""
    from backend.chain.indexer.indexer import Indexer
    from backend.db.models_chain import Collection
    from backend.demo_history import seed_history

    indexer = Indexer(settings, session_factory)
    try:
        indexer.catch_up()
    finally:
        indexer.release()
    with session_factory() as db:
        done = seed_history(db, db.get(Collection, collection_id))
        db.commit()
    if not done.seeded_now:
        return ""
    return (f"  demo history: {done.cards} cards over the past year, {done.redemptions} perk uses, "
            f"{done.checkins} check-ins, a closed poll with {done.ballots} ballots")
