"""Perk eligibility rules: pure functions, no database, no chain, no clock."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.perks.rules import (
    DAY_SECONDS,
    JST,
    KINDS,
    CardState,
    PerkTerms,
    PerkTermsError,
    card_verdict,
    check_terms,
    evaluate,
    japan_date,
    period_key,
)

NOW = int(datetime(2026, 11, 25, 12, 0, tzinfo=JST).timestamp())


def card(**kw):
    base = dict(status="active", tier=1, expires_at=0, locked=True, holding_since=NOW - 400 * DAY_SECONDS)
    base.update(kw)
    return CardState(**base)


def terms(**kw):
    base = dict(kind="venue_entry")
    base.update(kw)
    return PerkTerms(**base)


def test_a_valid_card_may_use_a_plain_perk():
    v = evaluate(terms(), card(), NOW)
    assert v.ok and v.reason_code == "ok"


@pytest.mark.parametrize("status", ["revoked", "opted_out", "reissued", "burned", "orphaned"])
def test_a_card_that_is_not_active_is_refused_with_its_status(status):
    v = evaluate(terms(), card(status=status), NOW)
    assert not v.ok and v.reason_code == f"card_{status}"
    assert v.message_ja and v.message_en


def test_an_unknown_card_is_refused():
    assert evaluate(terms(), None, NOW).reason_code == "card_unknown"


def test_a_card_expires_at_its_expiry_second_exactly():
    assert evaluate(terms(), card(expires_at=NOW + 1), NOW).ok
    v = evaluate(terms(), card(expires_at=NOW), NOW)
    assert v.reason_code == "card_expired"
    assert "2026-11-25" in v.message_en and "2026-11-25" in v.message_ja


def test_expiry_zero_means_never():
    assert card_verdict(card(expires_at=0), 2**40).ok


def test_an_inactive_perk_is_refused_before_looking_at_the_card():
    assert evaluate(terms(active=False), None, NOW).reason_code == "perk_inactive"


def test_minimum_tier():
    assert evaluate(terms(min_tier=2), card(tier=2), NOW).ok
    v = evaluate(terms(min_tier=2), card(tier=1), NOW)
    assert v.reason_code == "tier_too_low" and "tier 2" in v.message_en and "ランク2" in v.message_ja


def test_soulbound_only_refuses_a_tradable_card():
    assert evaluate(terms(soulbound_only=True), card(locked=True), NOW).ok
    assert evaluate(terms(soulbound_only=True), card(locked=False), NOW).reason_code == "not_soulbound"
    assert evaluate(terms(soulbound_only=False), card(locked=False), NOW).ok


def test_holding_days_counts_from_holding_since():
    t = terms(min_holding_days=30)
    assert evaluate(t, card(holding_since=NOW - 30 * DAY_SECONDS), NOW).ok
    v = evaluate(t, card(holding_since=NOW - 30 * DAY_SECONDS + 1), NOW)
    assert v.reason_code == "held_too_short" and "1 more" in v.message_en
    v = evaluate(t, card(holding_since=NOW - 5 * DAY_SECONDS), NOW)
    assert "25 more" in v.message_en and "あと25日" in v.message_ja


def test_unknown_holding_since_counts_as_just_received():
    assert evaluate(terms(min_holding_days=1), card(holding_since=None), NOW).reason_code == "held_too_short"


def test_once_a_day_limit():
    t = terms(limit_count=1, limit_period="day")
    assert evaluate(t, card(), NOW, used_in_period=0).ok
    assert evaluate(t, card(), NOW, used_in_period=1).reason_code == "limit_day"


def test_n_a_year_limit():
    t = terms(limit_count=3, limit_period="year")
    assert evaluate(t, card(), NOW, used_in_period=2).ok
    v = evaluate(t, card(), NOW, used_in_period=3)
    assert v.reason_code == "limit_year" and "3" in v.message_en


def test_unlimited_never_runs_out():
    assert evaluate(terms(limit_count=None, limit_period="unlimited"), card(), NOW, used_in_period=10**6).ok


def test_day_boundary_is_midnight_in_japan_not_utc():
    before = int(datetime(2026, 11, 25, 23, 59, 59, tzinfo=JST).timestamp())
    after = before + 1
    assert period_key("day", before) == "D2026-11-25"
    assert period_key("day", after) == "D2026-11-26"
    # 15:00 UTC is already the next day in Japan.
    assert japan_date(after) == "2026-11-26"
    assert period_key("day", 1795618800) == "D2026-11-26"  # 2026-11-25T15:00:00Z


def test_year_boundary_is_new_year_in_japan():
    eve = int(datetime(2026, 12, 31, 23, 59, 59, tzinfo=JST).timestamp())
    assert period_key("year", eve) == "Y2026"
    assert period_key("year", eve + 1) == "Y2027"
    assert period_key("unlimited", eve) is None


def test_shipped_goods_are_refused_at_creation_with_the_rule_named():
    with pytest.raises(PerkTermsError) as e:
        check_terms(terms(kind="shipping"))
    assert "never goods shipped" in str(e.value) and "venue_entry" in str(e.value)


@pytest.mark.parametrize("kind", KINDS)
def test_every_allowed_kind_is_accepted(kind):
    assert check_terms(terms(kind=kind)) == terms(kind=kind)


def test_bad_terms_list_every_problem():
    with pytest.raises(PerkTermsError) as e:
        check_terms(PerkTerms(kind="gift", min_tier=-1, min_holding_days=-2, limit_count=0, limit_period="day"))
    assert len(e.value.problems) == 4


def test_unlimited_takes_no_count_and_limited_needs_one():
    with pytest.raises(PerkTermsError):
        check_terms(terms(limit_period="unlimited", limit_count=1))
    with pytest.raises(PerkTermsError):
        check_terms(terms(limit_period="year", limit_count=None))
    with pytest.raises(PerkTermsError):
        check_terms(terms(limit_period="week", limit_count=1))


ts = st.integers(min_value=0, max_value=2**32 - 1)


@given(now=ts)
def test_period_keys_agree_with_the_japan_calendar(now):
    d = datetime.fromtimestamp(now, JST)
    assert period_key("day", now) == "D" + d.strftime("%Y-%m-%d")
    assert period_key("year", now) == "Y" + d.strftime("%Y")


@given(
    tier=st.integers(0, 10), min_tier=st.integers(0, 10), locked=st.booleans(), soulbound_only=st.booleans(),
    held=st.integers(0, 400 * DAY_SECONDS), days=st.integers(0, 365), used=st.integers(0, 5),
    limit=st.integers(1, 5), period=st.sampled_from(["day", "year", "unlimited"]),
    status=st.sampled_from(["active", "revoked", "opted_out", "reissued", "burned", "orphaned"]), expires=st.integers(-5, 5),
)
def test_ok_exactly_when_every_requirement_holds(tier, min_tier, locked, soulbound_only, held, days, used, limit,
                                                 period, status, expires):
    t = PerkTerms(kind="discount", min_tier=min_tier, soulbound_only=soulbound_only, min_holding_days=days,
                  limit_count=None if period == "unlimited" else limit, limit_period=period)
    expires_at = 0 if expires == 0 else NOW + expires
    c = CardState(status=status, tier=tier, expires_at=expires_at, locked=locked, holding_since=NOW - held)
    expected = (
        status == "active"
        and (expires_at == 0 or NOW < expires_at)
        and tier >= min_tier
        and (locked or not soulbound_only)
        and held >= days * DAY_SECONDS
        and (period == "unlimited" or used < limit)
    )
    v = evaluate(t, c, NOW, used)
    assert v.ok == expected
    assert (v.reason_code == "ok") == expected
    assert v.message_ja and v.message_en


def test_the_database_enforces_exactly_the_rules_kinds_and_periods():
    from backend.db import models_perks
    from backend.perks import rules

    assert models_perks.KINDS == rules.KINDS and models_perks.PERIODS == rules.PERIODS
