"""Development only (mounted outside production, where the development identity provider exists): play the
identity provider."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import VerifierDep
from backend.errors import Refusal
from backend.identity.verifier import DEV_LEVEL

router = APIRouter(prefix="/dev", tags=["development"])


class DevAssertionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nonce: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200, description="The person's id at the provider")
    birthdate: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    is_minor: bool | None = None
    level: str = Field(default=DEV_LEVEL, min_length=1, max_length=32)


class DevConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nonce: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200, description="The minor's id at the provider")
    guardian_subject: str = Field(min_length=1, max_length=200)


class DevAssertionOut(BaseModel):
    assertion: str
    issuer: str


@router.post("/identity/assertion", response_model=DevAssertionOut,
             summary="Development only: play the identity provider")
def dev_identity_assertion(body: DevAssertionIn, verifier: VerifierDep) -> DevAssertionOut:
    """Signs an identity assertion as the development provider would (not mounted in production)."""
    provider = verifier.dev_provider
    if body.birthdate is None and body.is_minor is None:
        raise Refusal("birthdate_required")
    token = provider.assert_identity(subject=body.subject, audience=verifier.audience, nonce=body.nonce,
                                     birthdate=body.birthdate, is_minor=body.is_minor, level=body.level)
    return DevAssertionOut(assertion=token, issuer=provider.issuer)


@router.post("/identity/consent", response_model=DevAssertionOut,
             summary="Development only: play the provider for a guardian's consent")
def dev_identity_consent(body: DevConsentIn, verifier: VerifierDep) -> DevAssertionOut:
    """Signs a guardian's consent as the development provider would."""
    provider = verifier.dev_provider
    token = provider.assert_consent(subject=body.subject, guardian_subject=body.guardian_subject,
                                    audience=verifier.audience, nonce=body.nonce)
    return DevAssertionOut(assertion=token, issuer=provider.issuer)
