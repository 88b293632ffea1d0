// The venue desk (/desk): venue staff sign in, scan a holder's pass with the camera or type its code,
// see a large OK / NO, then "scan next"; today's redemptions below. One API call decides a scan:
// POST /venue/redeem answers 200 with ok true/false, a reason in both languages, the perk and the card.

import { ApiError, get, post } from "./api.js";
import { errorText, has, lang, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";
import { cameraUnavailable, startScanner } from "./qrscanner.js";
import { countDown, retryAfter } from "./retry.js";

const $ = (id) => document.getElementById(id);
const VENUE_KEY = "resident.desk.venue"; // the signed-in venue's names, to show them after a reload

const state = {
  venue: null,         // {venue_id, venue_name_ja, venue_name_en} or null
  verdict: null,       // the last RedeemAnswer, or {error: ApiError}, or null (nothing scanned yet)
  checking: false,
  scanner: null,       // the running camera's controls
  cameraStarting: false,
  cameraWanted: false, // staff use the camera: "scan next" restarts it
  cameraProblem: null, // refused | none | busy | insecure | failed
  today: null,         // the last GET /venue/redemptions answer
  todayError: null,
  signinError: null,   // an ApiError, or "missing" / "expired" / "signed_out" / "throttled"
  retry: null,         // while "throttled": the "try again in N s" countdown
};

// --- sign in / out -----------------------------------------------------------------------------------------
function rememberVenue(venue) {
  state.venue = venue;
  try {
    if (venue) localStorage.setItem(VENUE_KEY, JSON.stringify(venue));
    else localStorage.removeItem(VENUE_KEY);
  } catch (_) { /* not kept: the name just does not show after a reload */ }
}

function storedVenue() {
  try {
    return JSON.parse(localStorage.getItem(VENUE_KEY) || "null");
  } catch (_) {
    return null;
  }
}

function showSignedOut(reason = null) {
  stopCamera();
  state.cameraWanted = false;
  state.verdict = null;
  state.today = null;
  state.signinError = reason;
  rememberVenue(null);
  $("desk").hidden = true;
  $("signin").hidden = false;
  $("session").hidden = true;
  renderHeader();
  renderSignin();
  ($("login").value ? $("password") : $("login")).focus();
}

function showSignedIn() {
  $("signin").hidden = true;
  $("desk").hidden = false;
  $("session").hidden = false;
  state.signinError = null;
  // Over plain http on a LAN address the browser has no camera API: say so before anyone presses Scan.
  if (cameraUnavailable() === "insecure") state.cameraProblem = "insecure";
  renderHeader();
  renderResult();
  renderCamera();
}

function renderHeader() {
  const name = $("venue-name");
  name.textContent = state.venue ? localized({ name_ja: state.venue.venue_name_ja, name_en: state.venue.venue_name_en }) : "";
}

function renderSignin() {
  const notice = $("signin-notice");
  const error = state.signinError;
  if (error === "throttled" && state.retry) {
    notice.className = "notice warn";
    state.retry.draw();
    return;
  }
  stopRetry();
  if (!error) {
    notice.hidden = true;
    return;
  }
  notice.hidden = false;
  notice.className = error === "expired" ? "notice warn" : "notice error";
  const text = error === "missing" ? t("desk.signin.missing")
    : error === "expired" ? t("desk.signin.expired")
    : error === "signed_out" ? t("desk.signin.signed_out")
    : errorText(error);
  if (error === "signed_out") notice.className = "notice info";
  fill(notice, h("p", { text }));
}

function stopRetry() {
  if (state.retry) state.retry.stop();
  state.retry = null;
}

// Too many failed sign-ins from this desk: the form waits as long as the backend says, counting down.
function waitToRetry(seconds) {
  stopRetry();
  state.signinError = "throttled";
  $("signin-submit").disabled = true;
  $("signin-notice").className = "notice warn";
  state.retry = countDown($("signin-notice"), seconds, {
    text: (left) => (left > 0 ? t("desk.signin.retry", { seconds: left }) : t("desk.signin.retry_now")),
    onEnd: () => { $("signin-submit").disabled = false; },
  });
}

async function signIn(event) {
  event.preventDefault();
  if (state.retry && state.retry.left > 0) return;
  const login = $("login").value.trim();
  const password = $("password").value;
  if (!login || !password) {
    state.signinError = "missing";
    renderSignin();
    (login ? $("password") : $("login")).focus();
    return;
  }
  const button = $("signin-submit");
  button.disabled = true;
  button.textContent = t("desk.signin.busy");
  try {
    const answer = await post("/venue/login", { login, password });
    rememberVenue({ venue_id: answer.venue_id, venue_name_ja: answer.venue_name_ja, venue_name_en: answer.venue_name_en });
    $("password").value = "";
    showSignedIn();
    await loadToday();
    ($("camera-start").hidden ? $("code") : $("camera-start")).focus();
  } catch (error) {
    const seconds = retryAfter(error);
    if (seconds) {
      waitToRetry(seconds);
    } else {
      state.signinError = error;
      renderSignin();
    }
    $("password").select();
    $("password").focus();
  } finally {
    button.disabled = Boolean(state.retry && state.retry.left > 0);
    button.textContent = t("desk.signin.submit");
  }
}

async function signOut() {
  try {
    await post("/venue/logout");
  } catch (_) { /* the session may already be gone: signed out either way */ }
  showSignedOut("signed_out");
}

// --- a scan ------------------------------------------------------------------------------------------------
/** The pass text as scanned or typed: pasted codes may carry spaces or line breaks. */
function cleanCode(text) {
  return String(text || "").replace(/\s+/g, "");
}

async function redeem(text) {
  const code = cleanCode(text);
  if (!code || state.checking) return;
  state.checking = true;
  state.verdict = null;
  renderResult();
  try {
    state.verdict = await post("/venue/redeem", { pass: code });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      state.checking = false;
      showSignedOut("expired");
      return;
    }
    state.verdict = { error, code };
  } finally {
    state.checking = false;
  }
  $("code").value = "";
  renderResult();
  signal(state.verdict.ok === true);
  $(state.verdict.error ? "retry" : "scan-next").focus();
  if (state.verdict.ok) loadToday();
}

function signal(ok) {
  // A short buzz tells the staff the scan is done without looking; two for a refusal.
  try {
    if (navigator.vibrate) navigator.vibrate(ok ? 120 : [90, 70, 90]);
  } catch (_) { /* no vibration here */ }
}

function tierName(tier) {
  return has(`desk.tier.${tier}`) ? t(`desk.tier.${tier}`) : t("desk.tier.other", { tier });
}

function facts(verdict) {
  // <div> groups inside <dl> are valid HTML and let the perk take a full row above card and tier.
  const groups = [];
  const group = (name, term, value) => h("div", { class: `fact fact-${name}` }, h("dt", { text: term }), h("dd", { text: value }));
  if (verdict.perk) groups.push(group("perk", t("desk.result.perk"), localized(verdict.perk)));
  if (verdict.card) {
    groups.push(group("card", t("desk.result.card"), t("desk.result.card_value", { number: verdict.card.resident_number })));
    groups.push(group("tier", t("desk.result.tier"), tierName(verdict.card.tier)));
  }
  return groups.length ? h("dl", { class: "result-facts" }, groups) : null;
}

function renderResult() {
  const section = $("result");
  const body = $("result-body");
  const actions = $("result-actions");
  const verdict = state.verdict;
  if (state.checking) {
    section.dataset.state = "checking";
    actions.hidden = true;
    fill(body, h("p", { class: "result-waiting", text: t("desk.checking") }));
    return;
  }
  if (!verdict) {
    section.dataset.state = "idle";
    actions.hidden = true;
    fill(body, h("p", { class: "result-idle", text: t("desk.result.idle") }));
    return;
  }
  actions.hidden = false;
  if (verdict.error) { // the check itself failed (network, server): neither OK nor NO
    section.dataset.state = "error";
    fill(body,
      h("p", { class: "result-mark", "aria-hidden": "true", text: "!" }),
      h("p", { class: "result-word", text: t("desk.result.error") }),
      h("p", { class: "result-reason", text: errorText(verdict.error) }),
      h("button", { type: "button", id: "retry", class: "secondary retry-button", text: t("common.retry"),
                    onclick: () => redeem(verdict.code) }));
    return;
  }
  section.dataset.state = verdict.ok ? "ok" : "no";
  const reason = lang() === "ja" ? verdict.message_ja : verdict.message_en;
  const stale = staleNote(verdict.index);
  fill(body, ...[
    h("p", { class: "result-mark", "aria-hidden": "true", text: verdict.ok ? "✓" : "✕" }),
    h("p", { class: "result-word", text: t(verdict.ok ? "desk.result.ok" : "desk.result.no") }),
    verdict.ok ? null : h("p", { class: "result-reason", text: reason }),
    facts(verdict),
    stale].filter(Boolean));
}

/** Why the answer may not be current: the index is blocks behind the head read for this scan, the head could
 * not be read, or the index has not caught up for a while (the backend's `index`, backend/venues/redeem.py). */
function staleNote(index) {
  if (!index || !index.stale) return null;
  const behind = index.head_block != null && index.indexed_block != null ? index.head_block - index.indexed_block : 0;
  let text;
  if (behind > 0) text = t("desk.result.stale_blocks", { blocks: behind });
  else if (index.head_block == null) text = t("desk.result.stale_unknown");
  else text = t("desk.result.stale", { seconds: Math.round(index.lag_seconds || 0) });
  return h("p", { class: "result-stale", text });
}

function scanNext() {
  state.verdict = null;
  renderResult();
  if (state.cameraWanted && !state.cameraProblem) startCamera();
  else $("code").focus();
}

// --- the camera --------------------------------------------------------------------------------------------
async function startCamera() {
  if (state.scanner || state.cameraStarting) return;
  state.cameraWanted = true;
  state.cameraProblem = null;
  state.cameraStarting = true;
  renderCamera();
  let read = false;
  try {
    const scanner = await startScanner($("preview"), (text) => {
      read = true; // may come before startScanner resolves: the first frame can hold the code
      state.scanner = null;
      renderCamera();
      redeem(text);
    });
    if (!read) state.scanner = scanner;
  } catch (problem) {
    state.scanner = null;
    state.cameraProblem = problem.kind || "failed";
    if (problem.cause) console.warn("camera:", problem.cause);
  }
  state.cameraStarting = false;
  renderCamera();
}

function stopCamera() {
  if (state.scanner) state.scanner.stop();
  state.scanner = null;
}

function renderCamera() {
  const starting = state.cameraStarting;
  const running = Boolean(state.scanner) || starting;
  $("camera").hidden = !running;
  $("camera-start").hidden = running || state.cameraProblem === "insecure"; // no retry can help over http
  $("camera-stop").hidden = !running;
  $("camera-start").textContent = t(state.cameraProblem ? "desk.camera.again" : "desk.camera.start");
  $("camera-status").textContent = t(starting ? "desk.camera.starting" : "desk.camera.looking");
  const notice = $("camera-notice");
  const problem = state.cameraProblem;
  if (!problem) {
    notice.hidden = true;
    return;
  }
  notice.hidden = false;
  notice.className = problem === "refused" || problem === "insecure" ? "notice warn" : "notice error";
  fill(notice,
    h("span", { class: "notice-title", text: t(`desk.camera.${problem}.title`) }),
    h("p", { text: t(`desk.camera.${problem}`) }),
    h("button", { type: "button", class: "secondary", id: "type-instead", text: t("desk.camera.type_instead"),
                  onclick: () => $("code").focus() }));
}

// --- today's redemptions -----------------------------------------------------------------------------------
async function loadToday() {
  try {
    state.today = await get("/venue/redemptions");
    state.todayError = null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignedOut("expired");
      return;
    }
    state.todayError = error;
  }
  renderToday();
}

function renderToday() {
  const list = $("today-list");
  const today = state.today;
  $("today-count").textContent = today ? t("desk.today.count", { count: today.count }) : "";
  $("today-empty").hidden = !today || today.count > 0;
  if (state.todayError) {
    fill(list, h("li", { class: "notice error", text: t("desk.today.failed", { message: errorText(state.todayError) }) }));
    return;
  }
  fill(list, ...(today ? today.redemptions : []).map((row) => h("li", { class: "today-row" },
    h("time", { class: "today-time", text: row.time_jst }),
    h("span", { class: "today-perk", text: localized({ name_ja: row.perk_name_ja, name_en: row.perk_name_en }) }),
    h("span", { class: "today-card", text: t("desk.result.card_value", { number: row.resident_number }) }),
    h("span", { class: "badge info", text: tierName(row.tier) }))));
}

// --- start -------------------------------------------------------------------------------------------------
function wire() {
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("camera-start").addEventListener("click", startCamera);
  $("camera-stop").addEventListener("click", () => {
    state.cameraWanted = false;
    stopCamera();
    renderCamera();
  });
  $("code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = cleanCode($("code").value);
    if (!code) {
      $("code").setAttribute("aria-invalid", "true");
      state.verdict = null;
      fill($("result-body"), h("p", { class: "result-idle", text: t("desk.code.empty") }));
      $("code").focus();
      return;
    }
    $("code").removeAttribute("aria-invalid");
    stopCamera();
    renderCamera();
    redeem(code);
  });
  $("scan-next").addEventListener("click", scanNext);
  $("today-refresh").addEventListener("click", loadToday);
  // Enter anywhere (outside a form field or button) means "scan next" while a result is shown.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || $("result-actions").hidden || $("desk").hidden) return;
    if (event.target.closest && event.target.closest("input, textarea, button, a, select")) return;
    event.preventDefault();
    scanNext();
  });
  window.addEventListener("langchange", () => {
    renderHeader();
    renderSignin();
    renderResult();
    renderCamera();
    renderToday();
  });
  // A page left in the background must not keep the camera on.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && state.scanner) {
      stopCamera();
      renderCamera();
    }
  });
}

async function start() {
  await initPage(["desk"]);
  wire();
  state.venue = storedVenue();
  // Signed in already (the venue cookie)? Today's list answers 401 if not.
  try {
    state.today = await get("/venue/redemptions");
    showSignedIn();
    renderToday();
  } catch (error) {
    showSignedOut(error instanceof ApiError && error.status === 401 ? null : error);
  }
  document.body.dataset.ready = "true";
}

start();
