"""Airdrop jobs from the console: a CSV upload becomes a job row; one worker thread per app sends it.

The sending is backend/campaigns/airdrop.py, the same code as `scripts/airdrop.py`, with its journal
(data_dir/airdrops/<chain>/<SYMBOL>/<sha256 of the list>.json): a job killed mid-way (server stopped,
crashed, RPC node gone) is picked up again when the app starts, and the journal's recovery checks what
the chain already recorded, so nobody is issued a card twice. The job row mirrors the journal after
each batch for `GET /staff/airdrops/{id}`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import requests
from eth_utils import to_checksum_address
from sqlalchemy import or_, select, update
from web3.exceptions import Web3Exception

from backend.campaigns.airdrop import AirdropError, Batch, Journal, airdrop, journal_path, list_digest
from backend.campaigns.csvfile import CsvFileError, RecipientRow, RowProblem
from backend.campaigns.minters import card_record
from backend.chain.client import Chain
from backend.db.models_campaigns import JOB_DONE, JOB_FAILED, JOB_QUEUED, JOB_RUNNING, AirdropJob
from backend.db.models_chain import Collection, unix_now
from backend.db.session import begin_immediate
from backend.errors import ChainError
from backend.chain.issuer import Issuer

log = logging.getLogger("resident.airdrops")

RETRY_SECONDS = 2.0  # after an RPC failure: the node may be restarting
IDLE_SECONDS = 1.0
LEASE_SECONDS = 20  # a job whose worker stops renewing for this long is taken over by another
HEARTBEAT_SECONDS = 5.0


class _Stopped(Exception):
    """Raised inside an airdrop when the app shuts down: the job stays 'running' and resumes at the next start."""


def problems_json(problems: list[RowProblem]) -> list[dict]:
    return [{"row": p.line, "column": p.column, "cell": p.cell, "message_en": p.message_en,
             "message_ja": p.message_ja} for p in problems]


def new_job(municipality_id: int, collection: Collection, filename: str, rows: list[RecipientRow], tier: int,
            validity_days: int | None, batch_size: int | None, data_dir: Path, staff_id: int | None) -> AirdropJob:
    """A queued job for `rows` (already parsed and checked by csvfile)."""
    digest = list_digest(rows)
    return AirdropJob(
        municipality_id=municipality_id, collection_id=collection.id, filename=filename[:255], list_sha256=digest,
        rows=[[r.line, r.address, r.tier] for r in rows], tier=tier, validity_days=validity_days,
        batch_size=batch_size, status=JOB_QUEUED, total=len(rows), done=0, failed=0, skipped=0, batches=[],
        errors=[], journal=str(journal_path(collection.chain_id, collection.symbol, digest, data_dir)),
        created_by=staff_id, message_en="", message_ja="")


def _batches_json(batches: list[Batch]) -> list[dict]:
    return [{"index": b.index, "tx_hash": b.tx, "count": len(b.addresses), "status": b.status}
            for b in batches if b.tx or b.status != "planned"]


class AirdropWorker:
    """Runs queued and interrupted airdrop jobs one at a time, in a daemon thread."""

    def __init__(self, settings, session_factory, issuer: Issuer | None) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.issuer = issuer
        self.chain = Chain(settings.rpc_url, timeout=30.0)
        self.worker_id = uuid.uuid4().hex
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle (backend/app.py starts and stops every Services.workers entry) -------------------
    def start(self) -> None:
        if self.issuer is None:  # nothing can be sent; jobs wait (the API refuses new ones with 503)
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="airdrop-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    # -- the loop --------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self._next_job()
            except Exception:  # the database briefly unavailable must not end the worker for good
                log.exception("airdrop worker: could not look for jobs; trying again")
                self._stop.wait(RETRY_SECONDS)
                continue
            if job_id is None:
                self._wake.wait(IDLE_SECONDS)
                self._wake.clear()
                continue
            finished = threading.Event()
            threading.Thread(target=self._heartbeat, args=(job_id, finished), daemon=True,
                             name=f"airdrop-lease-{job_id}").start()
            try:
                self._process(job_id)
            except _Stopped:
                self._release(job_id)  # a clean stop: the next start takes it at once
                return
            except (ChainError, requests.RequestException, OSError, Web3Exception) as exc:
                # The node is unreachable or answered an error: the journal keeps the state; try again.
                log.warning("airdrop job %s: chain unavailable (%s); retrying", job_id, exc)
                self._stop.wait(RETRY_SECONDS)
            except Exception as exc:  # a bug must not kill the worker for every other job
                log.exception("airdrop job %s failed", job_id)
                self._finish(job_id, JOB_FAILED, f"The airdrop stopped on an unexpected error: {exc}",
                             f"予期しないエラーでエアドロップが止まりました: {exc}")
            finally:
                finished.set()

    def _next_job(self) -> int | None:
        """The first job waiting or left by a worker whose lease ran out, leased to this worker (one
        conditional UPDATE, so two processes never take the same job)."""
        now = unix_now()
        takeable = or_(AirdropJob.status == JOB_QUEUED,
                       (AirdropJob.status == JOB_RUNNING)
                       & ((AirdropJob.lease_until < now) | (AirdropJob.lease_owner == self.worker_id)))
        with self.session_factory() as session:
            # SQLite: this reads, then writes; holding the write lock from the start keeps a write by the
            # indexer in between from failing it with "database is locked".
            begin_immediate(session)
            for job_id in list(session.scalars(select(AirdropJob.id).where(takeable).order_by(AirdropJob.id).limit(5))):
                taken = session.execute(update(AirdropJob).where(AirdropJob.id == job_id, takeable).values(
                    status=JOB_RUNNING, lease_owner=self.worker_id, lease_until=now + LEASE_SECONDS, updated_at=now))
                session.commit()
                if taken.rowcount == 1:
                    return job_id
                begin_immediate(session)
        return None

    def _renew(self, job_id: int) -> bool:
        """Extends this worker's lease on the job; False if another worker holds it now."""
        now = unix_now()
        with self.session_factory() as session:
            renewed = session.execute(update(AirdropJob).where(
                AirdropJob.id == job_id, AirdropJob.lease_owner == self.worker_id).values(lease_until=now + LEASE_SECONDS))
            session.commit()
            return renewed.rowcount == 1

    def _heartbeat(self, job_id: int, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            if not self._renew(job_id):
                log.warning("airdrop job %s: lease lost", job_id)
                return

    def _process(self, job_id: int) -> None:
        with self.session_factory() as session:
            job = session.get(AirdropJob, job_id)
            collection = session.get(Collection, job.collection_id)
            symbol, rows = collection.symbol, [RecipientRow(line, address, tier) for line, address, tier in job.rows]
            tier, validity_days, batch_size, journal = job.tier, job.validity_days, job.batch_size, Path(job.journal)
        record = card_record(self.settings.deployments_dir, symbol)
        if record is None:
            self._finish(job_id, JOB_FAILED, f"The deployment record of {symbol} is missing on this server.",
                         f"{symbol} のデプロイ記録がサーバーにありません。")
            return
        card = self.chain.web3.eth.contract(address=to_checksum_address(record.address), abi=record.abi)

        def observer(stage: str, batch: Batch) -> None:
            self._mirror(job_id, journal)
            if self._stop.is_set():
                raise _Stopped()

        try:
            result = airdrop(card, rows, sender=self.issuer.account, tier=tier, validity_days=validity_days,
                             journal=journal, w3=self.chain.web3, max_batch_size=batch_size, progress=False,
                             observer=observer, send_lock=self.issuer.nonce_lock)
        except CsvFileError as exc:
            self._finish(job_id, JOB_FAILED, f"{len(exc.problems)} row(s) of the list cannot be airdropped; "
                         "nothing was sent. Fix them and upload the list again.",
                         f"リストの{len(exc.problems)}行はエアドロップできません。何も送信していません。"
                         "修正してから、もう一度アップロードしてください。", errors=problems_json(exc.problems))
            return
        except AirdropError as exc:
            self._mirror(job_id, journal)
            self._finish(job_id, JOB_FAILED, str(exc), f"エアドロップを完了できませんでした。再試行できます: {exc}")
            return
        self._mirror(job_id, journal)
        skipped = len(result.skipped)
        self._finish(job_id, JOB_DONE, f"Issued {result.issued} card(s); {skipped} wallet(s) skipped as they "
                     "already hold a card.", f"{result.issued}枚を発行しました。すでにカードを持つ{skipped}件は"
                     "スキップしました。")

    # -- the job row -----------------------------------------------------------------------------------
    def _update(self, job_id: int, **values) -> None:
        with self.session_factory() as session:
            begin_immediate(session)
            job = session.get(AirdropJob, job_id)
            for name, value in values.items():
                setattr(job, name, value)
            job.updated_at = unix_now()
            session.commit()

    def _mirror(self, job_id: int, journal: Path) -> None:
        """Copies the journal's progress into the job row."""
        if not journal.exists():
            return
        state = Journal.load(journal)
        failed = sum(len(b.addresses) for b in state.batches if b.status == "failed")
        self._update(job_id, done=state.issued, skipped=len(state.skipped), failed=failed,
                     batches=_batches_json(state.batches))

    def _release(self, job_id: int) -> None:
        self._update(job_id, lease_until=0)

    def _finish(self, job_id: int, status: str, en: str, ja: str, errors: list | None = None) -> None:
        values = {"status": status, "message_en": en, "message_ja": ja, "lease_until": 0}
        if errors is not None:
            values["errors"] = errors
        self._update(job_id, **values)


def job_json(job: AirdropJob, symbol: str) -> dict:
    """`GET /staff/airdrops/{id}`: status, counts, batches and errors."""
    return {"id": job.id, "municipality_id": job.municipality_id, "collection": symbol, "filename": job.filename,
            "status": job.status, "total": job.total, "done": job.done, "failed": job.failed, "skipped": job.skipped,
            "tier": job.tier, "validity_days": job.validity_days, "batches": job.batches, "errors": job.errors,
            "message_en": job.message_en, "message_ja": job.message_ja, "created_at": job.created_at,
            "updated_at": job.updated_at}

