"""Claim links and posters of a campaign, for staff: make single-use links (checked first with a simulated
claim), list them, download them as a CSV to email or a sheet to print, and the campaign's A4 poster."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import ChainDep, Editor, IssuerDep, SessionDep, SettingsDep
from backend.campaigns import claim_links
from backend.campaigns import service as campaigns
from backend.campaigns.poster import PosterText, poster_pdf, poster_png, sheet_pdf
from backend.campaigns.service import chain_calls, load_campaign, minter_of
from backend.db.models_campaigns import ClaimLink
from backend.db.models_chain import Municipality
from backend.db.session import write_transaction
from backend.errors import Refusal

router = APIRouter(prefix="/staff", tags=["staff"])


class ClaimLinksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=1, le=claim_links.MAX_LINKS, description="How many single-use links to make")


class ClaimLinkOut(BaseModel):
    id: int
    number: int = Field(description="Its number in the campaign's list, as on the CSV and the sheet")
    url: str
    used: bool
    used_by: str | None
    used_at: int | None
    created_at: int


def _campaign(session, municipality_id: int, campaign_id: int):
    campaign = load_campaign(session, campaign_id, municipality_id)
    if campaign.mode != "voucher":
        raise Refusal("not_voucher_campaign")
    return campaign


def _rows(session, settings, campaign) -> list[tuple[ClaimLink, str]]:
    return [(link, claim_links.url_of(settings.public_url, claim_links.token_of(settings.sealing_key, link)))
            for link in claim_links.links_of(session, campaign.id)]


def _out(rows: list[tuple[ClaimLink, str]]) -> list[ClaimLinkOut]:
    return [ClaimLinkOut(id=link.id, number=number, url=url, used=link.used_by is not None, used_by=link.used_by,
                         used_at=link.used_at, created_at=link.created_at)
            for number, (link, url) in enumerate(rows, start=1)]


def _words(session, campaign, url: str) -> PosterText:
    town = session.get(Municipality, campaign.municipality_id)
    return PosterText(town.name_ja, town.name_en, campaign.name_ja, campaign.name_en, url)


def _file(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.post("/municipalities/{municipality_id}/campaigns/{campaign_id}/claim-links", response_model=list[ClaimLinkOut],
             status_code=201, summary="Make single-use claim links of a voucher campaign")
def create_claim_links(municipality_id: int, campaign_id: int, body: ClaimLinksIn, staff: Editor, session: SessionDep,
                       chain: ChainDep, settings: SettingsDep, issuer: IssuerDep) -> list[ClaimLinkOut]:
    """A claim is simulated first (campaign state, signer role): a refusal says what to do and makes none.
    Answers the campaign's whole list, the new links last."""
    campaign = _campaign(session, municipality_id, campaign_id)
    minter = minter_of(chain, settings, campaigns.symbol_of(session, campaign))
    with chain_calls():
        claim_links.probe_claimable(minter, issuer, campaign)
        remaining = minter.campaign(campaign.onchain_id).remaining
    write_transaction(session)
    campaign = _campaign(session, municipality_id, campaign_id)
    unused = sum(1 for link in claim_links.links_of(session, campaign.id) if link.used_by is None)
    claim_links.make_links(session, settings.sealing_key, campaign, body.count, remaining - unused, staff.id)
    session.commit()
    return _out(_rows(session, settings, campaign))


@router.get("/municipalities/{municipality_id}/campaigns/{campaign_id}/claim-links", response_model=list[ClaimLinkOut],
            summary="The campaign's claim links and whether each was used")
def list_claim_links(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep,
                     settings: SettingsDep) -> list[ClaimLinkOut]:
    """Editors only: a link is a credential."""
    return _out(_rows(session, settings, _campaign(session, municipality_id, campaign_id)))


@router.get("/municipalities/{municipality_id}/campaigns/{campaign_id}/claim-links.csv",
            summary="The claim links as a CSV for Excel (UTF-8 with BOM, Japan dates)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def download_claim_links(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep,
                         settings: SettingsDep, lang: Literal["ja", "en"] = "ja") -> Response:
    """One row per link: number, link, campaign, used or not, dates, the wallet that used it."""
    campaign = _campaign(session, municipality_id, campaign_id)
    data = claim_links.csv_bytes(_rows(session, settings, campaign), campaign, lang)
    return _file(data, "text/csv; charset=utf-8", f"claim-links-{campaign.onchain_id}.csv")


@router.get("/municipalities/{municipality_id}/campaigns/{campaign_id}/claim-links.pdf",
            summary="The unused claim links as a printable A4 sheet of QR slips",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def print_claim_links(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep,
                      settings: SettingsDep) -> Response:
    """Slips numbered as in the CSV; used links are left out."""
    campaign = _campaign(session, municipality_id, campaign_id)
    rows = _rows(session, settings, campaign)
    urls = [url for link, url in rows if link.used_by is None]
    data = sheet_pdf(_words(session, campaign, ""), urls)
    return _file(data, "application/pdf", f"claim-links-{campaign.onchain_id}.pdf")


@router.get("/municipalities/{municipality_id}/campaigns/{campaign_id}/poster.{kind}",
            summary="The campaign's A4 poster (PDF or PNG)",
            response_class=Response, responses={200: {"content": {"application/pdf": {}, "image/png": {}}}})
def campaign_poster(municipality_id: int, campaign_id: int, kind: Literal["pdf", "png"], staff: Editor,
                    session: SessionDep, settings: SettingsDep,
                    link_id: int | None = Query(default=None, description="A claim link of the campaign to "
                                                "print; without it, the campaign's claim page")) -> Response:
    """The QR opens the claim page: the campaign's, or one claim link's."""
    campaign = load_campaign(session, campaign_id, municipality_id)
    url = claim_links.campaign_url(settings.public_url, campaign.id)
    if link_id is not None:
        link = session.get(ClaimLink, link_id)
        if link is None or link.campaign_id != campaign.id:
            raise Refusal("claim_link_not_found")
        url = claim_links.url_of(settings.public_url, claim_links.token_of(settings.sealing_key, link))
    words = _words(session, campaign, url)
    if kind == "png":
        return _file(poster_png(words), "image/png", f"poster-{campaign.onchain_id}.png")
    return _file(poster_pdf(words), "application/pdf", f"poster-{campaign.onchain_id}.pdf")
