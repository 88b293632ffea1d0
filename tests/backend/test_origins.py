"""backend/origins.py: the one spelling of an origin that sign-in, the cross-origin check and forums share."""

from __future__ import annotations

import pytest

from backend.origins import origin_of


@pytest.mark.parametrize("url, origin", [
    ("HTTPS://Example.JP:443/a?b", "https://example.jp"),
    ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000"),
    ("http://[::1]:8000/", "http://[::1]:8000"),
    ("http://[::1]:80", "http://[::1]"),
    ("https://user:pw@Forum.Example./latest#top", "https://forum.example"),
    ("https://美祢.jp/", "https://xn--gjz89j.jp"),
    ("http://testserver", "http://testserver"),
])
def test_one_spelling_as_browsers_write_the_origin_header(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize("url", ["null", "", "ftp://x", "http://x:99999", "https://", "did:pkh:eip155:1:0xabc",
                                 "http://exa mple.org/"])
def test_what_is_not_an_http_origin_has_none(url):
    assert origin_of(url) is None


@pytest.mark.parametrize("variant", ["https://forum.example", "HTTPS://Forum.Example/", "https://forum.example:443/x?y",
                                     "https://forum.example./", "https://user@FORUM.example", " https://forum.example "])
def test_spellings_of_one_forum_have_one_origin(variant):
    assert origin_of(variant) == "https://forum.example"


def test_origins_keep_what_makes_another_site_and_refuse_what_is_no_site():
    assert origin_of("http://forum.example") == "http://forum.example"
    assert origin_of("https://forum.example:8443/") == "https://forum.example:8443"
    assert origin_of("http://[::1]:4200/") == "http://[::1]:4200"
    assert origin_of("https://フォーラム.example/") == "https://xn--jckte8a9a8f.example"
    for bad in ["ftp://forum.example", "https://", "forum.example", "javascript:alert(1)", "https://a:b:c/",
                "https://forum%2Eexample/", "https://x:99999/", "https://" + "a" * 64 + ".example"]:
        assert origin_of(bad) is None, bad
