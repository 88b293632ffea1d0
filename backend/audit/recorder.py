"""Records every ORM change of a session that carries an actor, in that session's own transaction.

Installed once on the backend's session factory (backend/services.py), so routes added later are covered
without calling anything here. `before_flush` reads each dirty or deleted object's attribute history
(before → after; an old value never loaded is read from the row, which the flush has not changed yet);
`after_flush` adds the new objects (their keys are known by then) and inserts the rows with one Core
INSERT on the flush's connection: a rollback takes the log rows with it, a commit keeps both.

Bulk statements run through the session (`session.execute(update(...))`, `delete`, `insert` with many
rows) bypass the flush: `do_orm_execute` reads the rows an UPDATE or DELETE is about to touch (up to
MAX_BULK_ROWS each; more become one summary entry) and records them like the ORM's; a bulk INSERT is one
entry with its row count.

Not recorded: sessions without an actor (the indexer, jobs, holder sign-ins); tables of sessions and
nonces (sign-ins, not state a person changed); SQL sent past the session (the venue redeem's raw
connection, which writes its own entry: backend/venues/redeem.py). Secret columns are never written:
their change shows as "(changed)".
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import BindParameter, event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from backend.audit.actor import Actor, actor_of
from backend.db.models_audit import AuditEvent
from backend.db.models_chain import Collection, unix_now
from backend.db.models_perks import Perk, Venue

SKIP_TABLES = frozenset({"audit_events", "auth_sessions", "sign_in_nonces", "identity_nonces"})
# Secrets at rest (hashes, digests, sealed values) and person-linking ids; a transaction hash is public.
SECRET = re.compile(r"secret|hash|digest|sealed|password|nullifier|totp|private", re.IGNORECASE)
PUBLIC = re.compile(r"^tx_hash(es)?$")
REDACTED = "(changed)"
MAX_VALUE_CHARS = 500
MAX_BULK_ROWS = 100
_PENDING = "audit_pending"

# How a row without a municipality_id of its own finds one: via the row it points to.
PARENTS = {"collection_id": (Collection, Collection.municipality_id),
           "venue_id": (Venue, Venue.municipality_id),
           "perk_id": (Perk, Perk.collection_id)}


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _bulk)


def is_secret(column: str) -> bool:
    return bool(SECRET.search(column)) and not PUBLIC.match(column)


def _plain(value: Any) -> Any:
    """A JSON value for `value`; long ones are summarised (an airdrop's 10,000 rows are not copied)."""
    if isinstance(value, bytes):
        value = "0x" + value.hex()
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if not isinstance(value, (str, list, dict)):
        value = str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= MAX_VALUE_CHARS:
        return value
    if isinstance(value, str):
        return value[:MAX_VALUE_CHARS] + "…"
    return f"({len(value)} items)"


def _columns(obj):
    state = inspect(obj)
    return state, [(attr.key, attr.columns[0].name) for attr in state.mapper.column_attrs]


def _key(state) -> str | None:
    # Not state.identity: a new object gets it only after after_flush; its column values are set by then.
    identity = state.mapper.primary_key_from_instance(state.obj())
    if any(part is None for part in identity):
        return None
    return "/".join(str(part) for part in identity)


def _changes_of_dirty(session: Session, obj) -> dict:
    state, columns = _columns(obj)
    changes, unknown = {}, []
    for key, column in columns:
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        after = history.added[0] if history.added else None
        if history.deleted:
            before = history.deleted[0]
        else:
            unknown.append((key, column))
            before = None
        if before == after and history.deleted:
            continue
        changes[column] = [before, after]
    if unknown:  # assigned without having been loaded: the row still holds the old value
        mapper = state.mapper
        table = mapper.local_table
        where = [c == v for c, v in zip(mapper.primary_key, state.identity, strict=True)]
        row = session.connection().execute(select(*(table.c[c] for _, c in unknown)).where(*where)).first()
        for i, (_, column) in enumerate(unknown):
            if row is not None:
                changes[column][0] = row[i]
            if changes[column][0] == changes[column][1]:
                del changes[column]
    return changes


def _values(obj) -> dict:
    state, columns = _columns(obj)
    return {column: state.dict.get(key) for key, column in columns}


def _shown(changes: dict) -> dict:
    return {column: REDACTED if is_secret(column) else [_plain(before), _plain(after)]
            for column, (before, after) in changes.items()}


def _municipality(session: Session, table: str, values: dict, actor: Actor, cache: dict) -> int | None:
    if table == "municipalities":
        return values.get("id")
    if values.get("municipality_id") is not None:
        return values["municipality_id"]
    for column, (model, parent) in PARENTS.items():
        ref = values.get(column)
        if ref is None:
            continue
        if (column, ref) not in cache:
            cache[column, ref] = session.connection().scalar(select(parent).where(model.id == ref))
        found = cache[column, ref]
        if column == "perk_id" and found is not None:
            return _municipality(session, "perks", {"collection_id": found}, actor, cache)
        return found if found is not None else actor.municipality_id
    return actor.municipality_id


def _row(session, actor: Actor, action: str, obj, changes: dict, cache: dict) -> dict | None:
    table = inspect(obj).mapper.local_table.name
    if table in SKIP_TABLES:
        return None
    state = inspect(obj)
    values = _values(obj)
    if action == "update":  # the scope is where the row was: a perk moved away stays visible to its old town
        values.update({column: before for column, (before, _after) in changes.items()})
    return _entry(actor, action, table, _key(state), _municipality(session, table, values, actor, cache), changes)


def _before_flush(session: Session, _context, _instances) -> None:
    actor = actor_of(session)
    if actor is None:
        return
    pending = session.info[_PENDING] = []  # a failed flush's leftovers are dropped here
    cache: dict = {}
    for obj in list(session.dirty):
        if inspect(obj).mapper.local_table.name in SKIP_TABLES or not session.is_modified(obj):
            continue
        changes = _changes_of_dirty(session, obj)
        if changes:
            pending.append(_row(session, actor, "update", obj, changes, cache))
    for obj in list(session.deleted):
        changes = {column: [value, None] for column, value in _values(obj).items() if value is not None}
        pending.append(_row(session, actor, "delete", obj, changes, cache))
    pending.append(("new", list(session.new)))


def _after_flush(session: Session, _context) -> None:
    actor = actor_of(session)
    pending = session.info.pop(_PENDING, None)
    if actor is None or not pending:
        return
    rows, cache = [], {}
    for item in pending:
        if isinstance(item, tuple):
            for obj in item[1]:
                changes = {column: [None, value] for column, value in _values(obj).items() if value is not None}
                rows.append(_row(session, actor, "create", obj, changes, cache))
        else:
            rows.append(item)
    rows = [r for r in rows if r is not None]
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def _entry(actor: Actor, action: str, table: str, object_id, municipality_id, changes: dict) -> dict:
    return {"at": unix_now(), "actor_kind": actor.kind, "actor_id": actor.id, "actor_name": actor.name[:100],
            "client_address": actor.client_address, "route": (actor.route or "")[:200] or None, "action": action,
            "object_type": table, "object_id": object_id, "municipality_id": municipality_id,
            "changes": _shown(changes)}


def _assigned(value) -> Any:
    """What a bulk UPDATE sets a column to: the value, or the SQL expression as text (`limit_count + 1`)."""
    return value.value if isinstance(value, BindParameter) else f"({value})"


def _bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    session = state.session
    actor = actor_of(session)
    statement = state.statement
    table = getattr(statement, "table", None)
    if actor is None or table is None or table.name in SKIP_TABLES:
        return
    cache: dict = {}
    connection = session.connection()
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params] if params else []
        first = dict(rows[0]) if rows else {}
        entries = [_entry(actor, "create", table.name, None, _municipality(session, table.name, first, actor, cache),
                          {"rows": [None, len(rows)]})]
    else:
        query = select(table)
        if statement.whereclause is not None:
            query = query.where(statement.whereclause)
        found = [dict(r._mapping) for r in connection.execute(query.limit(MAX_BULK_ROWS + 1))]
        if not found:
            return
        keys = [c.name for c in table.primary_key]
        # An UPDATE's SET clause has no public accessor; `_values` is {column: value or expression}.
        assigned = getattr(statement, "_values", None) or {}
        values = {getattr(c, "name", str(c)): _assigned(v) for c, v in assigned.items()}
        action = "update" if state.is_update else "delete"
        if len(found) > MAX_BULK_ROWS:
            entries = [_entry(actor, action, table.name, None, actor.municipality_id,
                              {"rows": [None, f"more than {MAX_BULK_ROWS}"], "statement": [None, str(statement)]})]
        else:
            entries = []
            for row in found:
                if action == "update":
                    changes = {c: [row.get(c), v] for c, v in values.items() if row.get(c) != v}
                else:
                    changes = {c: [v, None] for c, v in row.items() if v is not None}
                if changes:
                    entries.append(_entry(actor, action, table.name, "/".join(str(row[k]) for k in keys),
                                          _municipality(session, table.name, row, actor, cache), changes))
    if entries:
        connection.execute(insert(AuditEvent), entries)
