import pytest

from backend.auth.sealed import SealBroken, seal, unseal

KEY = "k" * 40


def test_a_sealed_secret_opens_with_its_key_purpose_and_row():
    sealed = seal(KEY, "forum-sso", "s3cret", bound_to="forum:1")
    assert "s3cret" not in sealed
    assert unseal(KEY, "forum-sso", sealed, bound_to="forum:1") == "s3cret"
    assert seal(KEY, "forum-sso", "s3cret", bound_to="forum:1") != sealed  # a fresh nonce each time


@pytest.mark.parametrize("key, purpose, row", [("x" * 40, "forum-sso", "forum:1"), (KEY, "totp", "forum:1"),
                                               (KEY, "forum-sso", "forum:2")])
def test_it_does_not_open_under_another_key_purpose_or_row(key, purpose, row):
    sealed = seal(KEY, "forum-sso", "s3cret", bound_to="forum:1")
    with pytest.raises(SealBroken):
        unseal(key, purpose, sealed, bound_to=row)


def test_an_altered_value_is_refused():
    sealed = seal(KEY, "forum-sso", "s3cret")
    # a character in the middle: the last ones may hold only base64 padding bits, which decode the same
    middle = len(sealed) // 2
    flipped = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1:]
    for bad in (flipped, "v2." + sealed[3:], "garbage", ""):
        with pytest.raises(SealBroken):
            unseal(KEY, "forum-sso", bad)
