// The organiser's screen of an activity (/activity-qr?activity=<id>): its rotating check-in QR code, fetched
// again whenever the shown one is about to change. Staff sign in here (or in the console: same cookie); a
// partner organisation uses its API key instead (kept for this tab only, in sessionStorage).

import { ApiError, get, post } from "./api.js";
import { errorText, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = "resident.partnerKey";
const activityId = Number(new URLSearchParams(location.search).get("activity"));
const state = { qr: null, activity: null, objectUrl: null, timer: null, error: null };

function partnerKey() {
  try { return sessionStorage.getItem(KEY_STORAGE) || ""; } catch (_) { return ""; }
}

async function fetchQr() {
  const key = partnerKey();
  if (key) {
    const response = await fetch(`/partner/activities/${activityId}/qr`, { headers: { "X-Partner-Key": key } });
    const body = await response.json();
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }
  return get(`/staff/activities/${activityId}/qr`);
}

async function fetchActivity() {
  const listed = await get("/residency/activities").catch(() => []);
  return listed.find((a) => a.id === activityId) || null;
}

function notice(kind, text) {
  if (text) fill($("qr-notice"), h("div", { class: `notice ${kind}` }, h("p", { text })));
  else fill($("qr-notice"));
}

function render() {
  if (!activityId) return notice("error", t("residency.qr.activity_missing"));
  if (!state.qr) return undefined;
  $("qr-activity").textContent = state.activity ? localized(state.activity, "title") : `#${activityId}`;
  $("qr-lead").textContent = t("residency.qr.lead", { period: state.qr.period });
  $("qr-code").textContent = state.qr.code;
  tick();
  return undefined;
}

function tick() {
  if (!state.qr) return;
  const left = Math.max(0, Math.ceil((state.qr.fetchedAt + state.qr.seconds_left * 1000 - Date.now()) / 1000));
  $("qr-seconds").textContent = t("residency.qr.seconds", { seconds: left });
}

function show(qr) {
  qr.fetchedAt = Date.now();
  state.qr = qr;
  if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
  state.objectUrl = URL.createObjectURL(new Blob([qr.svg], { type: "image/svg+xml" }));
  const image = $("qr-image");
  image.src = state.objectUrl;
  image.alt = t("residency.qr.title");
  image.style.width = "min(30rem, 88vw)";
  $("qr-image").dataset.token = qr.token;
  $("qr-show").hidden = false;
  $("qr-login").hidden = true;
  render();
}

async function poll() {
  clearTimeout(state.timer);
  let wait = 2000;
  try {
    const qr = await fetchQr();
    notice();
    show(qr);
    wait = Math.max(300, qr.seconds_left * 1000 + 150); // just after the code changes
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      $("qr-show").hidden = true;
      $("qr-login").hidden = false;
      notice("warn", errorText(error));
      return;
    }
    notice("error", error instanceof ApiError ? errorText(error) : t("residency.qr.offline"));
  }
  state.timer = setTimeout(poll, wait);
}

async function signIn() {
  try {
    await post("/staff/login", { login: $("qr-user").value.trim(), password: $("qr-password").value });
    try { sessionStorage.removeItem(KEY_STORAGE); } catch (_) { /* nothing kept */ }
    await poll();
  } catch (error) {
    notice("error", error instanceof ApiError ? errorText(error) : t("common.error.unexpected"));
  }
}

async function useKey() {
  try { sessionStorage.setItem(KEY_STORAGE, $("qr-key").value.trim()); } catch (_) { /* this visit only */ }
  await poll();
}

async function start() {
  await initPage(["residency"]);
  $("qr-signin").addEventListener("click", signIn);
  $("qr-use-key").addEventListener("click", useKey);
  window.addEventListener("langchange", render);
  setInterval(tick, 250);
  if (activityId) {
    state.activity = await fetchActivity();
    await poll();
  } else {
    render();
  }
  document.body.dataset.ready = "true";
}

start();
