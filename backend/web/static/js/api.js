// The backend's JSON API, same origin, with the session cookie. Every refusal becomes an ApiError carrying
// the backend's {code, message_en, message_ja}; show it with i18n.errorText(error).

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message_en || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code || "http_error";
    this.message_en = body.message_en || "";
    this.message_ja = body.message_ja || "";
    this.body = body;
  }
}

// When the request never got an answer (offline, server down): texts in both languages, as the backend's.
const NETWORK_ERROR = {
  code: "network_error",
  message_en: "The server could not be reached. Check your connection and try again.",
  message_ja: "サーバーに接続できませんでした。通信環境を確認して、もう一度お試しください。",
};

/** fetch() for the JSON API: `api("/me")`, `api("/auth/siwe", {method: "POST", body: {...}})`. Resolves
 * with the parsed JSON (or null for an empty answer); rejects with ApiError. */
export async function api(path, { method = "GET", body, headers = {}, signal } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers }, signal };
  if (body !== undefined) {
    if (body instanceof FormData) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, NETWORK_ERROR);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = { code: "bad_response", message_en: `The server answered HTTP ${response.status}.`,
               message_ja: `サーバーの応答が正しくありません（HTTP ${response.status}）。` };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

export const get = (path, options) => api(path, options);
export const post = (path, body, options = {}) => api(path, { ...options, method: "POST", body });
