"""The holder's residency: identity verification, check-ins, progress toward premium, registration."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import (
    ActivityCodesDep, CurrentHolder, IssuerDep, OptionalIssuerDep, SessionDep, SessionsDep, SettingsDep, VerifierDep,
)
from backend.api.schemas import ActivityOut, GrantOut, activity_outs
from backend.cards import card_by_token, cards_of_owner
from backend.db.models_chain import Municipality
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.identity.oidc_logins import client_of, finish_login, start_login
from backend.identity.verifier import identity_of, issue_nonce, record_consent, record_identity
from backend.messages import texts
from backend.residency.checkins import check_in
from backend.residency.premium import progress, request_premium
from backend.residency.registration import register, registrations_of

router = APIRouter(tags=["holder"])


class NonceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Literal["identity", "guardian_consent"] = "identity"


class NonceOut(BaseModel):
    nonce: str
    purpose: str
    audience: str = Field(description="Put this in the assertion's `aud`")
    expires_at: int
    development_provider: bool = Field(description="True where /dev/identity/* plays the provider")


class AssertionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assertion: str = Field(min_length=10, max_length=4096, description="The provider's ES256K compact JWS")


class IdentityOut(BaseModel):
    verified: bool
    level: str | None = None
    is_minor: bool = False
    guardian_consent: bool = False
    verified_at: int | None = None
    registrations: list[dict] = []


def identity_out(db, holder: str) -> IdentityOut:
    identity = identity_of(db, holder)
    if identity is None:
        return IdentityOut(verified=False)
    regs = [{"municipality_id": r.municipality_id, "via": r.via, "token_id": r.token_id,
             "collection_id": r.collection_id} for r in registrations_of(db, identity.nullifier)]
    return IdentityOut(verified=True, level=identity.level, is_minor=identity.is_minor,
                       guardian_consent=identity.consent_at is not None, verified_at=identity.verified_at,
                       registrations=regs)


@router.post("/me/identity/nonce", response_model=NonceOut, summary="Start identity verification (a nonce)")
def create_identity_nonce(body: NonceIn, holder: CurrentHolder, db: SessionDep, verifier: VerifierDep) -> NonceOut:
    """A single-use nonce (10 minutes) for the provider to put in its assertion, bound to this wallet."""
    write_transaction(db)
    nonce, expires_at = issue_nonce(db, holder.address, body.purpose)
    db.commit()
    return NonceOut(nonce=nonce, purpose=body.purpose, audience=verifier.audience, expires_at=expires_at,
                    development_provider=verifier.dev_provider is not None)


@router.post("/me/identity", response_model=IdentityOut, summary="Submit the provider's identity assertion")
def verify_identity(body: AssertionIn, holder: CurrentHolder, db: SessionDep, verifier: VerifierDep) -> IdentityOut:
    """Verifies signature, provider, audience, freshness and the nonce; keeps only a nullifier and the level."""
    write_transaction(db)
    record_identity(db, verifier, holder.address, body.assertion)
    db.commit()
    return identity_out(db, holder.address)


@router.post("/me/identity/guardian-consent", response_model=IdentityOut, summary="Submit a guardian's consent")
def record_guardian_consent(body: AssertionIn, holder: CurrentHolder, db: SessionDep,
                            verifier: VerifierDep) -> IdentityOut:
    """For a minor: the provider's signed consent of a guardian (their nullifier, time and digest are kept)."""
    write_transaction(db)
    record_consent(db, verifier, holder.address, body.assertion)
    db.commit()
    return identity_out(db, holder.address)


class OidcProviderOut(BaseModel):
    id: str
    label_ja: str
    label_en: str


class OidcStartOut(BaseModel):
    authorization_url: str = Field(description="Send the browser here; the provider sends it back to "
                                   "/identity/oidc/callback")
    expires_at: int


class OidcStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Literal["identity", "guardian_consent"] = Field(
        default="identity", description="identity: I verify myself; guardian_consent: my guardian signs in at the "
                                        "provider to consent (I am a verified minor)")


class OidcCallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: str = Field(min_length=1, max_length=200, description="`state` as the provider sent it back")
    code: str | None = Field(default=None, min_length=1, max_length=2048)
    error: str | None = Field(default=None, max_length=200, description="The provider's `error`, if it sent one")
    iss: str | None = Field(default=None, max_length=300, description="The provider's `iss` (RFC 9207), if sent")


@router.get("/identity/providers", response_model=list[OidcProviderOut],
            summary="The OpenID Connect providers people can verify their identity with")
def read_identity_providers(verifier: VerifierDep) -> list[OidcProviderOut]:
    """Each configured provider's id and its button's label (ja/en)."""
    default = texts("oidc_button")
    return [OidcProviderOut(id=c.id, label_ja=c.config.label_ja or default.ja, label_en=c.config.label_en or default.en)
            for c in verifier.oidc.values()]


@router.post("/me/identity/oidc/{provider}/start", response_model=OidcStartOut,
             summary="Start identity verification at an OpenID Connect provider")
def start_oidc_login(provider: Annotated[str, Path(max_length=32)], holder: CurrentHolder, db: SessionDep,
                     verifier: VerifierDep, settings: SettingsDep, body: OidcStartIn | None = None) -> OidcStartOut:
    """The provider's authorization URL (code flow, PKCE S256, state and nonce kept here: single use, 10
    minutes, bound to this wallet). With purpose guardian_consent, the person who signs in there is the
    guardian of this wallet's verified minor: an adult, and another person."""
    client = client_of(verifier, provider)
    write_transaction(db)
    url, expires_at = start_login(db, client, holder.address, settings.sealing_key,
                                  purpose=(body or OidcStartIn()).purpose)
    db.commit()
    return OidcStartOut(authorization_url=url, expires_at=expires_at)


@router.post("/me/identity/oidc/callback", response_model=IdentityOut,
             summary="Finish identity verification at an OpenID Connect provider")
def finish_oidc_login(body: OidcCallbackIn, holder: CurrentHolder, db: SessionDep, verifier: VerifierDep,
                      settings: SettingsDep) -> IdentityOut:
    """What the provider sent back (state, code): the code is exchanged, the ID token verified, and the wallet
    bound to the person's nullifier (or, for a guardian's consent, the guardian's nullifier recorded as the
    minor's consent); the provider's subject id is not kept."""
    finish_login(db, verifier, holder.address, body.state, body.code, body.error, settings.sealing_key, body.iss)
    return identity_out(db, holder.address)


@router.get("/me/identity", response_model=IdentityOut, summary="My identity verification")
def read_my_identity(holder: CurrentHolder, db: SessionDep) -> IdentityOut:
    """Whether my wallet is identity-verified, and where the person is registered."""
    return identity_out(db, holder.address)


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str | None = Field(default=None, max_length=100, description="The scanned QR text")
    activity_id: int | None = Field(default=None, ge=1, lt=2**63, description="Typed by hand, with `code`")
    code: str | None = Field(default=None, max_length=20)
    collection_id: int | None = Field(default=None, ge=1, lt=2**63)
    token_id: int | None = Field(default=None, ge=0, lt=2**63)


class StepOut(BaseModel):
    code: str
    message_en: str
    message_ja: str


class ProgressOut(BaseModel):
    municipality_id: int
    municipality_ja: str
    municipality_en: str
    collection_id: int
    token_id: int
    tier: int
    status: str = Field(description="basic | eligible | pending | premium")
    premium_until: int | None
    checkins: int
    required: int
    window_days: int
    mode: str
    identity: str = Field(description="missing | verified | consent_missing")
    renewal_due: bool
    summary_en: str
    summary_ja: str
    next_steps: list[StepOut]


class CheckInOut(BaseModel):
    checkin_id: int
    activity: ActivityOut
    day: str
    collection_id: int
    token_id: int
    progress: ProgressOut
    premium: GrantOut | None = Field(default=None, description="Set when this check-in made the card premium "
                                     "(automatic) or queued its request")
    premium_refusal: dict | None = None


def progress_out(db, p) -> ProgressOut:
    town = db.get(Municipality, p.municipality_id)
    return ProgressOut(municipality_id=p.municipality_id, municipality_ja=town.name_ja, municipality_en=town.name_en,
                       collection_id=p.card.collection_id, token_id=p.card.token_id, tier=p.card.tier,
                       status=p.status, premium_until=p.premium_until, checkins=p.checkins, required=p.required,
                       window_days=p.window_days, mode=p.mode, identity=p.identity, renewal_due=p.renewal_due,
                       summary_en=p.summary_en, summary_ja=p.summary_ja,
                       next_steps=[StepOut(**s.__dict__) for s in p.steps])


@router.post("/me/checkins", response_model=CheckInOut, status_code=201, summary="Check in at an activity")
def create_checkin(body: CheckInIn, holder: CurrentHolder, db: SessionDep, codes: ActivityCodesDep,
                   sessions: SessionsDep, issuer: OptionalIssuerDep,
                   settings: SettingsDep) -> CheckInOut:
    """Records the scanned (or typed) rotating code for the holder's card of the activity's municipality.

    Once the card has enough check-ins (and the holder's identity is verified), premium follows at once:
    granted on chain (automatic mode) or queued for staff (queue mode)."""
    write_transaction(db)
    result = check_in(db, codes, holder.address, token=body.token, activity_id=body.activity_id,
                      code=body.code, collection_id=body.collection_id, token_id=body.token_id)
    db.commit()
    card = result.card
    state = progress(db, card, holder.address)
    premium, refusal = None, None
    if state.status == "eligible" and state.identity != "missing":  # a minor learns consent is missing
        try:
            outcome = request_premium(sessions, issuer, settings,
                                      holder.address, card.id)
            premium = GrantOut(**outcome.__dict__)
        except Refusal as exc:
            refusal = exc.said()
        db.rollback()
        state = progress(db, card, holder.address)
    return CheckInOut(checkin_id=result.checkin.id, activity=activity_outs(db, [result.activity])[0],
                      day=result.checkin.day, collection_id=card.collection_id, token_id=card.token_id,
                      progress=progress_out(db, state), premium=premium, premium_refusal=refusal)


@router.get("/me/residency", response_model=list[ProgressOut], summary="My progress toward premium, per card")
def read_my_residency(holder: CurrentHolder, db: SessionDep) -> list[ProgressOut]:
    """For each valid card: "2 of 3 activities this year", status (basic / eligible / pending / premium until …)
    and the next steps."""
    now = time.time()
    return [progress_out(db, progress(db, c, holder.address, now)) for c in cards_of_owner(db, holder.address)
            if c.valid_now(now)]


class PremiumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection_id: int = Field(ge=1, lt=2**63)
    token_id: int = Field(ge=0, lt=2**63)


@router.post("/me/residency/premium", response_model=GrantOut, summary="Become premium (or request it)")
def request_my_premium(body: PremiumIn, holder: CurrentHolder, db: SessionDep, sessions: SessionsDep,
                       issuer: OptionalIssuerDep,
                       settings: SettingsDep) -> GrantOut:
    """Judges the card: enough activities, verified identity (and guardian consent for a minor), at most 3
    municipalities per person. Automatic municipalities upgrade on chain now; others queue for staff."""
    card = card_by_token(db, body.collection_id, body.token_id)
    if card is None:
        raise Refusal("card_not_found")
    db.rollback()
    outcome = request_premium(sessions, issuer, settings,
                              holder.address, card.id)
    return GrantOut(**outcome.__dict__)


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    municipality_id: int = Field(ge=1, lt=2**63)
    prefecture_opt_out: bool = Field(default=False, description="True: do not register with the prefecture too")


class RegisteredOut(BaseModel):
    municipality_id: int
    name_ja: str
    name_en: str
    via: str = Field(description="direct | prefecture_of_city")
    collection_id: int | None = Field(description="The collection the card is (or would be) in; None: none yet")
    token_id: int | None
    tx_hash: str | None
    outcome: str = Field(description="issued | already_registered | already_holder | failed | not_attempted "
                         "(the prefecture's card, when the city's card was not issued)")
    error: dict | None = Field(default=None, description="Why it was not issued: {code, message_en, message_ja}")


@router.post("/me/residency/register", response_model=list[RegisteredOut], status_code=201,
             summary="Register with a municipality (and its prefecture)")
def register_my_residency(body: RegisterIn, holder: CurrentHolder, db: SessionDep, sessions: SessionsDep, issuer: IssuerDep,
                settings: SettingsDep) -> list[RegisteredOut]:
    """Issues the municipality's basic card to the signed-in, identity-verified wallet, then the prefecture's
    card (where the prefecture agreed to the link) unless `prefecture_opt_out`: each entry says what was issued
    (collection, token id, transaction) or why not. The prefecture's card only follows the city's; when it
    fails the answer is still a success for the city. Registering again issues only what is missing; when
    nothing was issued the refusal carries the same list as `registrations`."""
    db.rollback()
    results = register(sessions, issuer, settings, holder.address, body.municipality_id,
                       body.prefecture_opt_out)
    return [RegisteredOut(**r.__dict__) for r in results]
