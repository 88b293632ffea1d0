"""DiscourseConnect payloads: signatures, decoding and the answer's fields, without HTTP."""

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.auth.errors import SsoBadRequest
from backend.auth.sealed import seal
from backend.db.models_access import Forum
from backend.errors import Refusal
from backend.forum import (
    answer_fields,
    answer_url,
    check_group_prefix,
    decode_answer,
    decode_request,
    email_domain,
    external_id,
    forum_secret,
    group_name_fits,
    parse_request,
    same_forum,
    sign,
    tier_groups,
)
from backend.origins import origin_of

SECRET = "d836444a9e4084d5b224a60c208dce14"


def discourse_request(nonce="cb68251eefb5211e58c00ff1395f0c0b", return_url="http://forum.test/session/sso_login"):
    """Build sso and sig as Discourse's DiscourseConnect::Base does."""
    payload = base64.b64encode(f"nonce={nonce}&return_sso_url={return_url}".encode()).decode()
    return payload, hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()


def test_known_vector_from_discourse_documentation():
    # The example in Discourse's DiscourseConnect documentation (meta.discourse.org/t/13045).
    payload = "bm9uY2U9Y2I2ODI1MWVlZmI1MjExZTU4YzAwZmYxMzk1ZjBjMGI=\n"
    assert sign(payload, SECRET) == "2828aa29899722b35a2f191d34ef9b3ce695e0e6eeec47deb46d588d70c7cb56"
    with pytest.raises(SsoBadRequest, match="return_sso_url"):
        parse_request(payload, "2828aa29899722b35a2f191d34ef9b3ce695e0e6eeec47deb46d588d70c7cb56", SECRET)


def test_request_round_trip():
    sso, sig = discourse_request()
    request = parse_request(sso, sig, SECRET)
    assert request.nonce == "cb68251eefb5211e58c00ff1395f0c0b"
    assert request.return_sso_url == "http://forum.test/session/sso_login"


def test_tampered_payload_or_signature_is_refused():
    sso, sig = discourse_request()
    other, _ = discourse_request(nonce="another")
    for bad_sso, bad_sig in [(other, sig), (sso, sig[:-1] + ("0" if sig[-1] != "0" else "1")), (sso, ""), ("", sig)]:
        with pytest.raises(SsoBadRequest):
            parse_request(bad_sso, bad_sig, SECRET)


def test_non_ascii_signature_or_payload_is_refused_not_an_error():
    # Found by schemathesis against the OpenAPI: hmac.compare_digest raised TypeError (a 500).
    sso, sig = discourse_request()
    for bad_sso, bad_sig in [(sso, "íâÅ\U000539d0Ä%"), ("\x065\x06\U000979f2", sig), ("é" * 10, "ü" * 64)]:
        with pytest.raises(SsoBadRequest):
            parse_request(bad_sso, bad_sig, SECRET)


def test_signature_under_another_secret_is_refused():
    sso, _ = discourse_request()
    with pytest.raises(SsoBadRequest):
        parse_request(sso, sign(sso, "other secret"), SECRET)


def test_missing_secret_refuses_everything():
    sso, sig = discourse_request()
    with pytest.raises(SsoBadRequest, match="no DiscourseConnect secret"):
        parse_request(sso, sig, "")


def test_non_http_return_url_is_refused():
    sso, sig = discourse_request(return_url="javascript:alert(1)")
    with pytest.raises(SsoBadRequest):
        parse_request(sso, sig, SECRET)


def test_answer_is_signed_and_decodes_to_its_fields():
    fields = answer_fields(
        nonce="n1", chain_id=31337, address="0x" + "Ab" * 20, tier=1, prefix="minedemo", max_tier=2,
        public_url="http://127.0.0.1:8000",
    )
    url = answer_url("http://forum.test/session/sso_login", fields, SECRET)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://forum.test/session/sso_login"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert set(query) == {"sso", "sig"}
    assert decode_answer(query["sso"], query["sig"], SECRET) == fields
    assert fields["add_groups"] == "minedemo_holders,minedemo_tier_1"
    assert fields["remove_groups"] == "minedemo_tier_0,minedemo_tier_2"
    assert fields["require_activation"] == "false"
    assert fields["email"].endswith("@users.noreply.resident.invalid")
    assert len(fields["username"]) <= 20


def test_external_id_is_stable_per_wallet_and_chain():
    a = external_id(81, "0x" + "ab" * 20)
    assert a == external_id(81, "0x" + "AB" * 20)  # checksum case does not matter
    assert a != external_id(10081, "0x" + "ab" * 20)
    assert a != external_id(81, "0x" + "cd" * 20)
    assert len(a) == 64


def test_email_domain_uses_the_site_name_or_a_reserved_domain():
    assert email_domain("https://resident.city.mine.lg.jp") == "resident.city.mine.lg.jp"
    assert email_domain("http://127.0.0.1:8000") == "resident.invalid"
    assert email_domain("http://localhost:8000") == "resident.invalid"


def test_tier_groups_cover_every_other_tier():
    assert tier_groups("x", 0, 0) == (["x_holders", "x_tier_0"], [])
    assert tier_groups("x", 2, 3) == (["x_holders", "x_tier_2"], ["x_tier_0", "x_tier_1", "x_tier_3"])


def test_same_forum_compares_origins():
    assert same_forum("https://forum.example/session/sso_login", "https://forum.example")
    assert not same_forum("https://forum.example.evil/session/sso_login", "https://forum.example")
    assert not same_forum("http://forum.example/session/sso_login", "https://forum.example")


def test_group_names_follow_discourse_rules():
    for good in ["mine_holders", "a.b_tier_1", "_x_holders", "yamaguchi_pr_holders"]:
        assert group_name_fits(good), good
    for bad in ["Mine_holders", "mine-_holders", "a__b", "-mine_holders", "mine_holders_", "ab", "x" * 21,
                "みね_holders", "mine holders", "mine_holders\n"]:
        assert not group_name_fits(bad), bad


@pytest.mark.parametrize("prefix, max_tier, longest, max_prefix", [
    ("abcdefghijklm", 1, "abcdefghijklm_holders", 12),       # 21 characters
    ("abcdefghijkl", 100, "abcdefghijkl_tier_100", 11),      # _tier_100 is longer than _holders
])
def test_a_prefix_whose_groups_would_be_too_long_is_refused_and_says_how_long_it_may_be(prefix, max_tier, longest,
                                                                                        max_prefix):
    with pytest.raises(Refusal) as refused:
        check_group_prefix(prefix, max_tier)
    assert refused.value.code == "group_name_too_long"
    assert refused.value.values["group"] == longest and refused.value.values["max_prefix"] == max_prefix
    assert "20" in refused.value.message_en and "20" in refused.value.message_ja
    check_group_prefix(prefix[:max_prefix], max_tier)  # the length it names fits


@pytest.mark.parametrize("prefix", ["Mine", "mine-", "mi__ne", "-mine", "mine city", "みね"])
def test_a_prefix_that_makes_no_valid_group_name_is_refused(prefix):
    with pytest.raises(Refusal) as refused:
        check_group_prefix(prefix, 1)
    assert refused.value.code == "group_name_invalid" and refused.value.message_ja and refused.value.message_en


def test_a_forum_secret_opens_only_with_the_sealing_key_and_for_its_own_row():
    key = "k" * 40
    forum = Forum(id=7, sso_secret=seal(key, "forum-sso", "s" * 64, bound_to="forum:7"))
    assert forum_secret(forum, key) == "s" * 64
    assert forum_secret(forum, "another key " * 4) == ""  # refuses every login until rotated
    moved = Forum(id=8, sso_secret=forum.sso_secret)  # a sealed value copied onto another forum
    assert forum_secret(moved, key) == ""
    assert forum_secret(Forum(id=9, sso_secret=None), key) == ""


def test_an_unsigned_payload_is_decoded_without_an_error_whatever_its_return_url():
    # The forum is found from the payload before its signature can be checked: that reading must not fail.
    for url in ["http://[", "http://[::1", "https://a:b:c/x", "http://\u0000/"]:
        sso = base64.b64encode(f"nonce=n&return_sso_url={url}".encode()).decode()
        try:
            request = decode_request(sso)
        except SsoBadRequest:
            continue
        assert origin_of(request.return_sso_url) is None
