"""Airdrop jobs from the console: a CSV upload becomes a job row; one worker thread per app sends it.

The sending is backend/campaigns/airdrop.py, the same code as `scripts/airdrop.py`, with its journal
(data_dir/airdrops/<chain>/<SYMBOL>/<sha256 of the list>.json): a job killed mid-way (server stopped,
crashed, RPC node gone) is picked up again when the app starts, and the journal's recovery checks what
the chain already recorded, so nobody is issued a card twice. With the transaction outbox each batch is an
outbox transaction keyed by the list and the batch, and counts as done once final (see airdrop.py). The job row mirrors the journal after
each batch for `GET /staff/airdrops/{id}`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import requests
from sqlalchemy import select

from backend.campaigns.airdrop import AirdropError, Batch, Journal, airdrop, journal_path, list_digest
from backend.campaigns.csvfile import CsvFileError, RecipientRow, RowProblem
from backend.chain.client import Chain
from backend.chain.deployments import card_record, contract_for
from backend.db.models_campaigns import JOB_DONE, JOB_FAILED, JOB_QUEUED, JOB_RUNNING, AirdropJob
from backend.db.models_chain import Collection, unix_now
from backend.db.session import begin_immediate
from backend.errors import ChainError
from backend.messages import Texts, texts
from backend.chain.issuer import Issuer
from backend.workers.lease import Lease
from backend.workers.loop import Loop

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
    """Runs queued and interrupted airdrop jobs one at a time, in the worker loop. Each job is leased to
    this worker while it sends (a heartbeat renews the lease), so several app processes never send the
    same job, and a dead worker's job is taken over once its lease runs out."""

    def __init__(self, settings, session_factory, issuer: Issuer | None, clock=unix_now) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.issuer = issuer
        self.chain = Chain.of(settings, timeout=30.0)
        self.lease = Lease(session_factory, key=AirdropJob.id, until=AirdropJob.lease_until,
                           holder_column=AirdropJob.lease_owner, seconds=LEASE_SECONDS, clock=clock)
        self.worker_id = self.lease.holder
        # A failed pass (the database briefly away) waits RETRY_SECONDS, then looks for jobs again.
        self.loop = Loop("airdrop-worker", self._pass, IDLE_SECONDS, max_backoff=RETRY_SECONDS)

    # -- lifecycle (backend/app.py starts and stops every Services.workers entry) -------------------
    def start(self) -> None:
        if self.issuer is None:  # nothing can be sent; jobs wait (the API refuses new ones with 503)
            return
        self.loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.loop.stop(timeout)

    def wake(self) -> None:
        self.loop.wake()

    def take_over(self) -> None:
        """Frees the leases of open jobs another worker holds: called by a newly elected leader (the previous
        one is gone), so an interrupted airdrop resumes now, not when its lease runs out (LEASE_SECONDS)."""
        freed = self.lease.free_others(where=[AirdropJob.status.in_((JOB_QUEUED, JOB_RUNNING))])
        if freed:
            log.info("airdrop: took over %d job(s) of the previous leader", freed)
            self.wake()

    # -- one pass: take a job and send it --------------------------------------------------------------
    def _pass(self) -> float:
        job_id = self._next_job()
        if job_id is None:
            return IDLE_SECONDS
        try:
            with self.lease.kept(job_id, every=HEARTBEAT_SECONDS):
                self._process(job_id)
        except _Stopped:
            self._release(job_id)  # a clean stop: the next start (here or elsewhere) takes it at once
        except (ChainError, requests.RequestException, OSError) as exc:
            # The node is unreachable or answered an error: the journal keeps the state; try again.
            log.warning("airdrop job %s: chain unavailable (%s); retrying", job_id, exc)
            return RETRY_SECONDS
        except Exception as exc:  # a bug must not kill the worker for every other job
            log.exception("airdrop job %s failed", job_id)
            self._finish(job_id, JOB_FAILED, texts("airdrop_crashed", reason=exc))
        return 0.0

    def _next_job(self) -> int | None:
        """The first job waiting or left by a worker whose lease ran out, leased to this worker (each claim
        one conditional UPDATE, so two processes never take the same job)."""
        now = self.lease.now()
        open_ = [AirdropJob.status.in_((JOB_QUEUED, JOB_RUNNING))]
        with self.session_factory() as session:
            candidates = list(session.scalars(select(AirdropJob.id).where(self.lease.available(now), *open_)
                                              .order_by(AirdropJob.id).limit(5)))
        for job_id in candidates:
            if self.lease.claim(job_id, now=now, where=open_, values={"status": JOB_RUNNING, "updated_at": now}):
                return job_id
        return None

    def _process(self, job_id: int) -> None:
        with self.session_factory() as session:
            job = session.get(AirdropJob, job_id)
            collection = session.get(Collection, job.collection_id)
            symbol, rows = collection.symbol, [RecipientRow(line, address, tier) for line, address, tier in job.rows]
            tier, validity_days, batch_size, journal = job.tier, job.validity_days, job.batch_size, Path(job.journal)
            municipality_id = job.municipality_id
        record = card_record(self.settings.deployments_dir, symbol)
        if record is None:
            self._finish(job_id, JOB_FAILED, texts("airdrop_no_record", symbol=symbol))
            return
        card = contract_for(self.chain, record)

        def observer(stage: str, batch: Batch) -> None:
            self._mirror(job_id, journal)
            if self.loop.stopping:
                raise _Stopped()

        try:
            # Outbox keys name the list's journal, not this job: a second job of the same list (one airdrop,
            # one journal) finds the first one's transactions instead of sending them again.
            result = airdrop(self.issuer, card, rows, tier=tier, validity_days=validity_days, journal=journal,
                             max_batch_size=batch_size, progress=False, observer=observer,
                             municipality_id=municipality_id)
        except CsvFileError as exc:
            self._finish(job_id, JOB_FAILED, texts("airdrop_rows_invalid", count=len(exc.problems)),
                         errors=problems_json(exc.problems))
            return
        except AirdropError as exc:
            self._mirror(job_id, journal)
            self._finish(job_id, JOB_FAILED, texts("airdrop_failed", reason=exc))
            return
        self._mirror(job_id, journal)
        skipped = len(result.skipped)
        self._finish(job_id, JOB_DONE, texts("airdrop_done", issued=result.issued, skipped=skipped))

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
        self.lease.release(job_id, values={"updated_at": unix_now()})

    def _finish(self, job_id: int, status: str, said: Texts, errors: list | None = None) -> None:
        """Records the outcome and gives the lease up, unless another worker has taken the job over."""
        values = {"status": status, "message_en": said.en, "message_ja": said.ja, "updated_at": unix_now()}
        if errors is not None:
            values["errors"] = errors
        if not self.lease.release(job_id, values=values):
            log.warning("airdrop job %s: another worker holds it now; its outcome (%s) is left to that one",
                        job_id, status)


def job_json(job: AirdropJob, symbol: str) -> dict:
    """`GET /staff/airdrops/{id}`: status, counts, batches and errors."""
    return {"id": job.id, "municipality_id": job.municipality_id, "collection": symbol, "filename": job.filename,
            "status": job.status, "total": job.total, "done": job.done, "failed": job.failed, "skipped": job.skipped,
            "tier": job.tier, "validity_days": job.validity_days, "batches": job.batches, "errors": job.errors,
            "message_en": job.message_en, "message_ja": job.message_ja, "created_at": job.created_at,
            "updated_at": job.updated_at}

