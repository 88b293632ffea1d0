"""What the holder's and staff's evidence routes share (backend/api/holder/evidence.py, staff/evidence.py):
the answer's shape, the private photo store, the photo's response and the upload's body limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel, Field

from backend.api.deps import SettingsDep
from backend.db.models_residency import Activity, ActivityEvidence
from backend.errors import Refusal
from backend.residency.evidence import evidence_store
from backend.residency.photos import MAX_BYTES, too_large
from metadata.errors import ContentNotFoundError, CorruptBlockError
from metadata.store import ContentStore

UPLOAD_PATH = "/me/evidence"
# The photo plus the form's other fields and the multipart framing; past it the refusal still says the
# photo's limit (between the two, the route itself refuses with the photo's exact size).
UPLOAD_BODY_LIMIT = MAX_BYTES + 64_000
BODY_LIMITS = {UPLOAD_PATH: (UPLOAD_BODY_LIMIT, too_large)}

PHOTO_HEADERS = {"Cache-Control": "private, max-age=86400",  # a CID names one content, but it is nobody else's
                 "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}


def get_evidence_store(settings: SettingsDep) -> ContentStore:
    return evidence_store(settings.data_dir)


EvidenceStoreDep = Annotated[ContentStore, Depends(get_evidence_store)]


class EvidenceOut(BaseModel):
    id: int
    municipality_id: int
    activity_id: int
    activity_ja: str
    activity_en: str
    day: str = Field(description="The Japan date the holder took part (YYYY-MM-DD)")
    note: str
    status: str = Field(description="pending | approved (counts as a check-in) | rejected")
    reason: str = Field(description="Why staff rejected it (empty otherwise)")
    submitted_at: int
    decided_at: int | None
    photo_url: str = Field(description="The re-encoded photo (JPEG, no metadata): only its holder and staff of "
                                       "its municipality may fetch it")
    photo_width: int
    photo_height: int
    photo_bytes: int


def evidence_out(evidence: ActivityEvidence, activity: Activity, photo_url: str) -> EvidenceOut:
    return EvidenceOut(id=evidence.id, municipality_id=evidence.municipality_id, activity_id=activity.id,
                       activity_ja=activity.title_ja, activity_en=activity.title_en, day=evidence.day,
                       note=evidence.note, status=evidence.status, reason=evidence.reason,
                       submitted_at=evidence.submitted_at, decided_at=evidence.decided_at, photo_url=photo_url,
                       photo_width=evidence.photo_width, photo_height=evidence.photo_height,
                       photo_bytes=evidence.photo_bytes)


PHOTO_RESPONSES = {200: {"content": {"image/jpeg": {}}, "description": "The photo as stored (JPEG)"},
                   304: {"description": "Not modified (If-None-Match had the CID)"},
                   404: {"description": "No such evidence for whoever asks (JSON error)"}}


def photo_response(store: ContentStore, evidence: ActivityEvidence, request: Request) -> Response:
    etag = f'"{evidence.photo_cid}"'
    if etag in (tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers={**PHOTO_HEADERS, "ETag": etag})
    try:
        data = store.get(evidence.photo_cid)
    except (ContentNotFoundError, CorruptBlockError):
        # The data directory lost it: the row stays, staff can still read the note and decide.
        raise Refusal("content_not_found", cid=evidence.photo_cid) from None
    return Response(data, media_type="image/jpeg", headers={**PHOTO_HEADERS, "ETag": etag})
