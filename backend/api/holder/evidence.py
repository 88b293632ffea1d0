"""The holder's activity evidence: send a photo and a note for an activity, follow what staff decided."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from backend.api.deps import CurrentHolder, SessionDep
from backend.api.evidence import (PHOTO_RESPONSES, UPLOAD_PATH, EvidenceOut, EvidenceStoreDep, evidence_out,
                                  photo_response)
from backend.db.models_residency import Activity
from backend.db.session import write_transaction
from backend.residency import evidence as ev
from backend.residency.photos import MAX_BYTES, clean_photo, too_large

router = APIRouter(tags=["holder"])


def _photo_url(evidence_id: int) -> str:
    return f"{UPLOAD_PATH}/{evidence_id}/photo"


@router.post(UPLOAD_PATH, response_model=EvidenceOut, status_code=201,
             summary="Send a photo and a note for an activity (staff review it)")
def create_evidence(holder: CurrentHolder, db: SessionDep, store: EvidenceStoreDep,
                    activity_id: Annotated[int, Form(ge=1, lt=2**63)],
                    day: Annotated[str, Form(min_length=1, max_length=40, description="The Japan date you took part "
                                                                                      "(YYYY-MM-DD)")],
                    photo: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 10 MB and 50 "
                                                                  "megapixels; stored re-encoded, without EXIF")],
                    note: Annotated[str, Form(max_length=ev.MAX_NOTE)] = "") -> EvidenceOut:
    """For a designated activity of the municipality of one of your valid cards, on one of its days (today or
    before, within the programme's window). Staff of that municipality approve it, then it counts as a check-in,
    or reject it with a reason shown here."""
    data = photo.file.read(MAX_BYTES + 1)  # a sync handler: the thread pool reads it, not the event loop
    if len(data) > MAX_BYTES:
        raise too_large(photo.size or len(data))
    clean = clean_photo(data)  # before the write lock: decoding takes the longest
    write_transaction(db)
    evidence = ev.submit(db, store, holder.address, activity_id, day, note, clean)
    db.commit()
    return evidence_out(evidence, db.get(Activity, evidence.activity_id), _photo_url(evidence.id))


@router.get(UPLOAD_PATH, response_model=list[EvidenceOut], summary="My activity evidence and what staff decided")
def list_my_evidence(holder: CurrentHolder, db: SessionDep) -> list[EvidenceOut]:
    """Your evidence, newest first: waiting, approved (counted) or rejected with the reason."""
    return [evidence_out(e, a, _photo_url(e.id)) for e, a in ev.list_of_holder(db, holder.address)]


@router.get(UPLOAD_PATH + "/{evidence_id}/photo", response_class=Response, responses=PHOTO_RESPONSES,
            summary="The photo of my evidence")
def read_my_evidence_photo(evidence_id: int, request: Request, holder: CurrentHolder, db: SessionDep,
                           store: EvidenceStoreDep) -> Response:
    """The stored photo (re-encoded JPEG); 404 for anyone else's evidence."""
    return photo_response(store, ev.of_holder(db, holder.address, evidence_id), request)
