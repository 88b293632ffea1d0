// The staff invitation page (/console/invite#token=...): shows what the link offers (municipality, role),
// then makes the account with the login name, display name and password the invitee picks. The link works
// once; afterwards the invitee signs in on /console like everyone else.

import { api, ApiError } from "./api.js";
import { errorText, formatDate, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";

const $ = (id) => document.getElementById(id);
const MIN_PASSWORD = 10;
const state = { token: "", offer: null, failure: null, formError: null, done: null };

function tokenFromUrl() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  return fragment.get("token") || new URLSearchParams(window.location.search).get("token") || "";
}

// A refusal from the backend (ApiError) in the current language, or one of our own catalog keys.
function said(what) {
  if (what instanceof ApiError) return errorText(what);
  if (typeof what === "string") return t(what);
  return t("common.error.unexpected");
}

function draw() {
  const status = $("invite-status");
  if (state.failure) {
    fill(status, h("div", { class: "notice error", role: "alert", "data-code": state.failure.code || "" },
      said(state.failure)));
    $("invite-form").hidden = true;
    return;
  }
  if (state.done) {
    fill(status);
    $("invite-form").hidden = true;
    $("invite-done").hidden = false;
    fill($("invite-done-text"), t("staff.accept.done", { name: state.done.username, town: localized(state.offer),
      role: t(`staff.role.${state.done.role}`) }));
    return;
  }
  if (!state.offer) return;
  fill(status);
  $("invite-form").hidden = false;
  fill($("invite-offer"), t("staff.accept.offer", { town: localized(state.offer), role: t(`staff.role.${state.offer.role}`),
    until: formatDate(state.offer.expires_at, true) }));
  const error = $("invite-error");
  error.hidden = !state.formError;
  if (state.formError) fill(error, said(state.formError));
}

async function accept(event) {
  event.preventDefault();
  const password = $("invite-password").value;
  const username = $("invite-username").value.trim();
  state.formError = !username ? "staff.accept.username_needed" : password.length < MIN_PASSWORD
    ? "staff.password.too_short" : password !== $("invite-again").value ? "staff.password.mismatch" : null;
  if (state.formError) {
    draw();
    return;
  }
  const button = $("invite-submit");
  button.disabled = true;
  try {
    state.done = await api("/staff/invites/accept", { method: "POST", body: { token: state.token, username,
      display_name: $("invite-display-name").value.trim(), password } });
    $("invite-password").value = "";
    $("invite-again").value = "";
    draw();
    $("invite-signin").focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 410) state.failure = error; // used or expired meanwhile
    else state.formError = error;
    draw();
  } finally {
    button.disabled = false;
  }
}

async function start() {
  await initPage(["console", "staff"]);
  $("invite-form").addEventListener("submit", accept);
  window.addEventListener("langchange", draw);
  state.token = tokenFromUrl();
  if (!state.token) {
    state.failure = "staff.accept.no_token";
  } else {
    try {
      state.offer = await api("/staff/invites/check", { method: "POST", body: { token: state.token } });
    } catch (error) {
      state.failure = error;
    }
  }
  draw();
  if (state.offer) $("invite-username").focus();
  document.body.dataset.ready = "true";
}

start();
