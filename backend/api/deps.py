"""Typed dependencies: what routes use (settings, a database session, the chain, the issuer, the pass
signer, card content, the identity verifier, ...: all from the app's one `Services`, backend/services.py)
and who is asking (a holder, a staff member with a role, a venue desk):

    def read_my_cards(holder: CurrentHolder, session: SessionDep, content: ContentDep): ...
    def list_perks(municipality_id: int, staff: Viewer, session: SessionDep): ...
    def edit_perk(perk_id: int, staff: CurrentStaff, session: SessionDep):
        require_staff_role(staff, perk.municipality_id, "staff")     # when the municipality comes from data

`get_services` is the one place that reads the app's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from backend.audit.actor import ActingSessions, Actor, act_as
from backend.auth.errors import NotSignedIn
from backend.auth.sessions import SessionInfo, resolve, token_from_request
from backend.auth.staff import StaffMember, check_role, member, rank
from backend.auth.throttle import LoginGate
from backend.campaigns.airdrop_jobs import AirdropWorker
from backend.chain.client import Chain
from backend.chain.issuer import Issuer
from backend.civic import mail
from backend.civic.identity import NullifierLookup
from backend.content import CardContent
from backend.errors import Refusal
from backend.identity.verifier import IdentityVerifier
from backend.residency.checkins import RotatingCode
from backend.services import Services
from backend.settings import Settings
from backend.venues.accounts import VenueSession, venue_of_token
from backend.venues.passes import PassSigner
from backend.venues.desk_codes import DeskCodes
from backend.venues.redeem import Redeemer
from backend.workers.jobs import JobRunner


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_session(services: ServicesDep) -> Iterator[Session]:
    """A session per request; the handler commits what it wants kept, the rest is rolled back."""
    with services.session_factory() as session:
        yield session


def get_sessions(services: ServicesDep, db: SessionDep) -> sessionmaker[Session]:
    """The session factory, for work that opens its own sessions (chain writes, background tasks); its
    sessions carry the request's actor (the audit log), as the request's own session does."""
    return ActingSessions(services.session_factory, db.info)


def get_chain(services: ServicesDep) -> Chain:
    return services.chain


def get_health_chain(services: ServicesDep) -> Chain:
    return services.health_chain


def get_optional_issuer(services: ServicesDep, db: SessionDep) -> Issuer | None:
    """The issuer reporting the request's actor as who asked for each transaction (the audit log)."""
    if services.issuer is None:
        return None
    return services.issuer.acting_for(lambda: db.info.get("actor"))


def get_issuer(issuer: Annotated[Issuer | None, Depends(get_optional_issuer)]) -> Issuer:
    """The backend's transaction signer; 503 with what to configure when there is none."""
    if issuer is None:
        raise Refusal("issuer_not_configured")
    return issuer


def get_pass_signer(services: ServicesDep) -> PassSigner:
    return services.pass_signer


def get_redeemer(services: ServicesDep) -> Redeemer:
    return services.redeemer


def get_desk_codes(services: ServicesDep) -> DeskCodes:
    return services.desk_codes


def get_content(services: ServicesDep) -> CardContent:
    return services.content


def get_card_image(services: ServicesDep) -> Callable | None:
    return services.card_image


def get_verifier(services: ServicesDep) -> IdentityVerifier:
    """The identity verifier; 503 with what to configure when there is none."""
    if services.identity_verifier is None:
        raise Refusal("identity_not_configured")
    return services.identity_verifier


def get_activity_codes(services: ServicesDep) -> RotatingCode:
    return services.activity_codes


def get_nullifier_lookup(services: ServicesDep) -> NullifierLookup:
    return services.nullifier_of


def get_jobs(services: ServicesDep) -> JobRunner:
    return services.jobs


def get_airdrop_worker(services: ServicesDep) -> AirdropWorker:
    return services.airdrop_worker


def get_login_gate(request: Request, services: ServicesDep) -> LoginGate:
    """The sign-in throttle for this request's address: the connection's, never a header (behind a proxy,
    uvicorn's --forwarded-allow-ips decides whose X-Forwarded-For becomes request.client)."""
    return services.login_throttle.gate(request.client.host if request.client else None)


def now(services: ServicesDep) -> float:
    """Now, by the services' clock (wall time unless a test or a demo moved it)."""
    return services.clock()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
SessionsDep = Annotated[sessionmaker, Depends(get_sessions)]
ChainDep = Annotated[Chain, Depends(get_chain)]
HealthChainDep = Annotated[Chain, Depends(get_health_chain)]
IssuerDep = Annotated[Issuer, Depends(get_issuer)]
OptionalIssuerDep = Annotated[Issuer | None, Depends(get_optional_issuer)]
PassSignerDep = Annotated[PassSigner, Depends(get_pass_signer)]
RedeemerDep = Annotated[Redeemer, Depends(get_redeemer)]
DeskCodesDep = Annotated[DeskCodes, Depends(get_desk_codes)]
ContentDep = Annotated[CardContent, Depends(get_content)]
CardImageDep = Annotated[Callable | None, Depends(get_card_image)]
VerifierDep = Annotated[IdentityVerifier, Depends(get_verifier)]
ActivityCodesDep = Annotated[RotatingCode, Depends(get_activity_codes)]
NullifierLookupDep = Annotated[NullifierLookup, Depends(get_nullifier_lookup)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
AirdropWorkerDep = Annotated[AirdropWorker, Depends(get_airdrop_worker)]
LoginGateDep = Annotated[LoginGate, Depends(get_login_gate)]
Now = Annotated[float, Depends(now)]


# --- who is asking ----------------------------------------------------------------------------------------
def session_of(kind: str):
    """A dependency that returns the live session of `kind` (bearer token or that kind's cookie), or 401."""

    def dependency(request: Request, db: SessionDep) -> SessionInfo:
        info = resolve(db, kind, token_from_request(request, kind))
        if info is None:
            raise NotSignedIn()
        return info

    dependency.__name__ = f"{kind}_session"
    return dependency


def optional_session_of(kind: str):
    """Like session_of, but None instead of 401 (pages that behave differently when signed in)."""

    def dependency(request: Request, db: SessionDep) -> SessionInfo | None:
        return resolve(db, kind, token_from_request(request, kind))

    dependency.__name__ = f"optional_{kind}_session"
    return dependency


@dataclass(frozen=True)
class HolderIdentity:
    """A signed-in holder: the wallet address that signed the EIP-4361 message."""

    address: str
    session: SessionInfo


def current_holder(info: Annotated[SessionInfo, Depends(session_of("holder"))]) -> HolderIdentity:
    return HolderIdentity(address=info.subject, session=info)


def optional_holder(
    info: Annotated[SessionInfo | None, Depends(optional_session_of("holder"))],
) -> HolderIdentity | None:
    return HolderIdentity(address=info.subject, session=info) if info else None


staff_session = session_of("staff")
StaffSession = Annotated[SessionInfo, Depends(staff_session)]


def _acting(request: Request, db: Session, kind: str, actor_id: int, name: str,
            municipality_id: int | None = None) -> None:
    """Whoever changes data in this request, for the audit log (backend/audit/recorder.py)."""
    route = request.scope.get("route")
    if municipality_id is None:
        municipality_id = request.path_params.get("municipality_id")
    act_as(db, Actor(kind, actor_id, name, request.client.host if request.client else None,
                     f"{request.method} {getattr(route, 'path', request.url.path)}",
                     int(municipality_id) if str(municipality_id or "").isdigit() else None))


def signed_in_staff(request: Request, info: StaffSession, db: SessionDep) -> StaffMember:
    """The staff member of this session, also one who must still replace a one-time password."""
    staff = member(db, int(info.subject))
    if staff is None:  # account disabled or deleted since sign-in
        raise NotSignedIn()
    _acting(request, db, "staff", staff.id, staff.username)
    return staff


SignedInStaff = Annotated[StaffMember, Depends(signed_in_staff)]


def current_staff(staff: SignedInStaff) -> StaffMember:
    # A one-time password opens only the password change (and /staff/me): whoever saw it cannot work with it.
    if staff.must_change_password:
        raise Refusal("password_change_required")
    return staff


CurrentHolder = Annotated[HolderIdentity, Depends(current_holder)]
OptionalHolder = Annotated[HolderIdentity | None, Depends(optional_holder)]
CurrentStaff = Annotated[StaffMember, Depends(current_staff)]


def require_staff(min_role: str):
    """A dependency for routes with a `{municipality_id}` path parameter: the staff member, if they hold
    at least `min_role` there (403 otherwise, 401 without a staff session)."""
    rank(min_role)

    def dependency(municipality_id: int, staff: CurrentStaff) -> StaffMember:
        check_role(staff, municipality_id, min_role)
        return staff

    dependency.__name__ = f"require_staff_{min_role}"
    return dependency


def require_staff_role(staff: StaffMember, municipality_id: int, min_role: str) -> StaffMember:
    """In a handler, when the municipality comes from data (a perk's collection...): 403 unless allowed."""
    check_role(staff, municipality_id, min_role)
    return staff


# Roles in the `{municipality_id}` of the path (backend/auth/staff.py): viewers read, staff ("editors") edit
# perks, venues, activities and campaigns, admins register collections, partners and rules.
Viewer = Annotated[StaffMember, Depends(require_staff("viewer"))]
Editor = Annotated[StaffMember, Depends(require_staff("staff"))]
Admin = Annotated[StaffMember, Depends(require_staff("admin"))]


def venue_sign_in_required() -> Refusal:
    return Refusal("venue_sign_in_required")


def current_venue(request: Request, services: ServicesDep, db: SessionDep) -> VenueSession:
    """The venue account signed in on this request (bearer token or venue cookie), else 401."""
    token = token_from_request(request, "venue")
    with services.session_factory() as own:
        venue = venue_of_token(own, token)
    if venue is None:
        raise venue_sign_in_required()
    _acting(request, db, "venue", venue.account_id, venue.login, venue.municipality_id)
    return venue


CurrentVenue = Annotated[VenueSession, Depends(current_venue)]


def mail_later(background: BackgroundTasks, services: ServicesDep) -> Callable[[], None]:
    """Call it after committing queued mail: the outbox is delivered once the answer is sent."""

    def later() -> None:
        if mail.enabled(services.settings):
            background.add_task(mail.deliver_outbox, services.session_factory, services.settings)

    return later


MailLater = Annotated[Callable[[], None], Depends(mail_later)]
