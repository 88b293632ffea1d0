"""Activity evidence seen by staff: the photos and notes holders sent, approved (they count as check-ins) or
rejected with a reason the holder reads. Every route is scoped to `{municipality_id}`: staff of another
municipality get 403, and an evidence id of another municipality is 404 here."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backend.api.deps import Editor, OptionalIssuerDep, SessionDep, SessionsDep, SettingsDep, Viewer
from backend.api.evidence import PHOTO_RESPONSES, EvidenceOut, EvidenceStoreDep, evidence_out, photo_response
from backend.api.holder.residency import ProgressOut, progress_out
from backend.api.schemas import GrantOut
from backend.cards import card_by_id
from backend.db.models_residency import Activity, ActivityEvidence
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.residency import evidence as ev
from backend.residency.premium import progress, request_premium

router = APIRouter(prefix="/staff/municipalities/{municipality_id}/evidence", tags=["staff"])


class StaffEvidenceOut(EvidenceOut):
    holder: str
    collection_id: int
    token_id: int


def _staff_out(db, evidence: ActivityEvidence, activity: Activity) -> StaffEvidenceOut:
    card = card_by_id(db, evidence.card_id)
    url = f"/staff/municipalities/{evidence.municipality_id}/evidence/{evidence.id}/photo"
    return StaffEvidenceOut(**evidence_out(evidence, activity, url).model_dump(), holder=evidence.holder,
                            collection_id=card.collection_id, token_id=card.token_id)


@router.get("", response_model=list[StaffEvidenceOut], summary="Activity evidence sent by holders")
def list_evidence(municipality_id: int, staff: Viewer, db: SessionDep,
                  status: Literal["pending", "approved", "rejected"] | None = None) -> list[StaffEvidenceOut]:
    """The municipality's evidence: waiting ones oldest first (`status=pending`), otherwise newest first."""
    return [_staff_out(db, e, a) for e, a in ev.list_of_municipality(db, municipality_id, status)]


@router.get("/{evidence_id}/photo", response_class=Response, responses=PHOTO_RESPONSES,
            summary="The photo of a holder's evidence")
def read_evidence_photo(municipality_id: int, evidence_id: int, request: Request, staff: Viewer, db: SessionDep,
                        store: EvidenceStoreDep) -> Response:
    """The stored photo (re-encoded JPEG, no metadata)."""
    return photo_response(store, ev.of_municipality(db, municipality_id, evidence_id), request)


class ReviewOut(BaseModel):
    evidence: StaffEvidenceOut
    progress: ProgressOut | None = Field(description="The card's progress toward premium after the decision "
                                                     "(None when the card is no longer valid)")
    premium: GrantOut | None = Field(default=None, description="Set when this approval made the card premium "
                                                               "(automatic) or queued its request")
    premium_refusal: dict | None = None


def _review(db, municipality_id: int, evidence: ActivityEvidence, premium=None, refusal=None) -> ReviewOut:
    card = card_by_id(db, evidence.card_id)
    state = progress(db, card, card.owner) if card is not None and card.valid_now() else None
    return ReviewOut(evidence=_staff_out(db, evidence, db.get(Activity, evidence.activity_id)),
                     progress=progress_out(db, state) if state is not None else None, premium=premium,
                     premium_refusal=refusal)


@router.post("/{evidence_id}/approve", response_model=ReviewOut,
             summary="Approve: the evidence counts as a check-in from now on")
def approve_evidence(municipality_id: int, evidence_id: int, staff: Editor, db: SessionDep, sessions: SessionsDep,
                     issuer: OptionalIssuerDep, settings: SettingsDep) -> ReviewOut:
    """Writes the check-in the evidence stands for (one per activity, card and day, as a QR scan). As after a
    scan, a card that now has enough activities becomes premium at once (automatic mode) or its request is
    queued (queue mode) once its holder's identity is verified."""
    write_transaction(db)
    evidence = ev.decide(db, municipality_id, evidence_id, staff.id, approve=True)
    db.commit()
    card = card_by_id(db, evidence.card_id)
    premium, refusal = None, None
    if card is not None and card.valid_now():
        state = progress(db, card, card.owner)
        if state.status == "eligible" and state.identity != "missing":
            try:
                premium = GrantOut(**request_premium(sessions, issuer, settings, card.owner, card.id).__dict__)
            except Refusal as exc:
                refusal = exc.said()
            db.rollback()
    return _review(db, municipality_id, evidence, premium, refusal)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="Shown to the holder: why, and what to send instead")


@router.post("/{evidence_id}/reject", response_model=ReviewOut, summary="Reject, with a reason the holder sees")
def reject_evidence(municipality_id: int, evidence_id: int, body: RejectIn, staff: Editor,
                    db: SessionDep) -> ReviewOut:
    """The evidence does not count; the holder reads the reason and may send new evidence for that day."""
    write_transaction(db)
    evidence = ev.decide(db, municipality_id, evidence_id, staff.id, approve=False, reason=body.reason)
    db.commit()
    return _review(db, municipality_id, evidence)
