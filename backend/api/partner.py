"""Partner organisations' API (header X-Partner-Key): their activities and their rotating QR codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from backend.api.deps import ActivityCodesDep, SessionDep
from backend.api.schemas import ActivityIn, ActivityOut, QrOut, activity_outs, activity_spec, qr_out
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.residency import activities as acts

router = APIRouter(prefix="/partner", tags=["partner"])


PartnerKey = Annotated[str | None, Header(alias="X-Partner-Key")]


@router.get("/activities", response_model=list[ActivityOut],
            summary="My organisation's activities")
def list_partner_activities(db: SessionDep, x_partner_key: PartnerKey = None) -> list[ActivityOut]:
    """The activities my organisation proposed or runs."""
    partner = acts.partner_by_key(db, x_partner_key)
    return activity_outs(db, acts.list_activities(db, partner_id=partner.id))


@router.post("/activities", response_model=ActivityOut, status_code=201,
             summary="Propose (or, if trusted, designate) an activity")
def create_partner_activity(body: ActivityIn, db: SessionDep, x_partner_key: PartnerKey = None) -> ActivityOut:
    """Proposes an activity (designated at once if the organisation is trusted)."""
    write_transaction(db)
    partner = acts.partner_by_key(db, x_partner_key)
    activity = acts.create_activity(db, partner.municipality_id, activity_spec(body), partner=partner)
    db.commit()
    return activity_outs(db, [activity])[0]


@router.get("/activities/{activity_id}/qr", response_model=QrOut,
            summary="The rotating QR code of my organisation's activity")
def read_partner_activity_qr(activity_id: int, db: SessionDep, codes: ActivityCodesDep,
                             x_partner_key: PartnerKey = None) -> QrOut:
    """The current rotating QR code of one of my organisation's activities."""
    partner = acts.partner_by_key(db, x_partner_key)
    activity = acts.get_activity(db, activity_id)
    if activity.partner_id != partner.id:
        raise Refusal("not_your_activity")
    return qr_out(codes, activity)
