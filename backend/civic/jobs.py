"""The civic periodic jobs, declared here and collected by the composition root (backend/app.py): the
inactivity rule of every municipality that enabled it, daily; queued mail, every minute when
RESIDENT_SMTP_URL is set. The inactivity job only queues its notices' mails (the outbox, in the same
transaction as the notice); the mail job sends them."""

from __future__ import annotations

from sqlalchemy import select

from backend.civic import mail
from backend.civic.inactivity import run_inactivity
from backend.db.models_civic import InactivityRule
from backend.workers.jobs import Job, JobContext

INACTIVITY_EVERY = 86_400
MAIL_EVERY = 60


def run_inactivity_everywhere(context: JobContext) -> str:
    with context.sessions() as session:
        towns = list(session.scalars(select(InactivityRule.municipality_id).where(InactivityRule.enabled)))
    noticed = cancelled = revoked = skipped = errors = 0
    for municipality_id in towns:
        report = run_inactivity(context.sessions, context.settings, context.issuer, municipality_id=municipality_id,
                                now=context.now)
        noticed += report["noticed"]
        cancelled += report["cancelled"]
        revoked += len(report["revoked"])
        skipped += report["skipped"]
        errors += len(report["errors"]) + len(report["failed"])
    return (f"{len(towns)} municipalities: {noticed} noticed, {cancelled} cancelled, {revoked} revoked, "
            f"{skipped} waiting for an issuer key, {errors} errors")


def deliver_mail(context: JobContext) -> str:
    result = mail.deliver_outbox(context.sessions, context.settings)
    return f"{result['sent']} sent, {result['failed']} failed"


INACTIVITY_JOB = Job("civic.inactivity", INACTIVITY_EVERY, run_inactivity_everywhere)
MAIL_JOB = Job("civic.mail", MAIL_EVERY, deliver_mail)


def periodic_jobs(settings) -> list[Job]:
    """The civic jobs this deployment runs (mail only when email is on)."""
    return [INACTIVITY_JOB, *([MAIL_JOB] if mail.enabled(settings) else [])]
