"""Identity through an OpenID Connect provider in the browser: `make run`'s stack configured with a real
provider (oidc-provider, tests/backend/identity/oidc_provider.mjs); the holder presses the provider's button,
signs in at the provider, comes back to /identity/oidc/callback and is verified."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from selenium.webdriver.common.by import By

from tests.backend.identity.oidc_setup import start_provider
from tests.web.test_residency_web import sign_in, text_of
from tests.web.webstack import free_port, start_stack, visible, wait


@pytest.fixture(scope="module")
def oidc_stack(tmp_path_factory):
    api_port = free_port()
    provider = start_provider(tmp_path_factory.mktemp("oidc-op"),
                              f"http://127.0.0.1:{api_port}/identity/oidc/callback")
    entries = provider.settings_entries()[:1]
    try:
        stack = start_stack(tmp_path_factory.mktemp("oidc-stack"), api_port=api_port,
                            env={"RESIDENT_OIDC_PROVIDERS": json.dumps(entries)})
        try:
            yield stack, provider
        finally:
            stack.stop()
    finally:
        provider.stop()


def log_in_at_provider(driver, subject: str, birthdate: str) -> None:
    """At the provider's login prompt (oidc_provider.mjs answers it as JSON), submits the person as a form."""
    wait(driver, lambda d: "/interaction/" in d.current_url, message="not at the provider's login")
    driver.execute_script("""
        const form = document.createElement("form");
        form.method = "POST";
        form.action = location.pathname + "/login";
        for (const [name, value] of Object.entries(arguments[0])) {
          const input = document.createElement("input");
          input.name = name; input.value = value; form.append(input);
        }
        document.body.append(form);
        form.submit();""", {"sub": subject, "birthdate": birthdate})


def log_in_and_come_back(driver, stack, subject: str, birthdate: str) -> None:
    """Signs in at the provider as `subject`; the provider sends the browser back to the holder page's
    activities section, where the login started."""
    log_in_at_provider(driver, subject, birthdate)
    wait(driver, lambda d: d.current_url == stack.url("/#activities"), timeout=30,
         message="not back on the holder page's activities")


def test_a_holder_verifies_their_identity_at_the_provider(oidc_stack, browser, shoot):
    stack, provider = oidc_stack
    driver = browser
    sign_in(driver, stack, Account.create().key.hex())
    visible(driver, "[data-residency-ready]")
    button = visible(driver, "#residency-oidc-op")
    assert button.text == "Test provider"
    shoot(driver, "oidc-before")
    button.click()
    log_in_and_come_back(driver, stack, "browser-person-1", "1990-04-01")
    wait(driver, lambda d: "Identity verified" in text_of(d, "#residency-identity"), timeout=30,
         message="identity not verified")
    assert "Your identity is verified." in text_of(driver, "#residency-message")
    assert not driver.find_elements(By.CSS_SELECTOR, "#residency-oidc-op")
    shoot(driver, "oidc-verified")


def test_a_minors_guardian_signs_in_at_the_provider_and_so_consents(oidc_stack, browser, shoot):
    stack, provider = oidc_stack
    driver = browser
    sign_in(driver, stack, Account.create().key.hex())
    visible(driver, "[data-residency-ready]")
    visible(driver, "#residency-oidc-op").click()
    log_in_at_provider(driver, "browser-child-1", "2016-06-01")  # ten years old
    wait(driver, lambda d: "You were verified as a minor." in text_of(d, "#residency-identity"), timeout=30,
         message="the minor was not verified")
    assert "Premium needs your guardian's consent." in text_of(driver, "#residency-identity")
    consent = visible(driver, "#residency-consent-oidc-op")
    assert consent.text == "Test provider"
    assert "18 or over" in text_of(driver, "#residency-identity")
    shoot(driver, "oidc-consent-before")
    consent.click()
    log_in_and_come_back(driver, stack, "browser-parent-1", "1982-02-02")
    wait(driver, lambda d: "Your guardian's consent is recorded." in text_of(d, "#residency-message"), timeout=30,
         message="the consent was not recorded")
    assert not driver.find_elements(By.CSS_SELECTOR, "#residency-consent-oidc-op")
    assert "Your guardian's consent is recorded." in text_of(driver, "#residency-identity")
    shoot(driver, "oidc-consent-done")
