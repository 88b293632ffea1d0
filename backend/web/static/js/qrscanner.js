// The camera and the QR decoder (vendored ZXing, loaded as classic scripts before the page's module).
// One job: start the camera, report the first QR code it reads, stop. Camera failures come out as a
// CameraProblem with a `kind` the page turns into advice: refused, none, busy, insecure, failed.

export class CameraProblem extends Error {
  constructor(kind, cause) {
    super(`camera ${kind}${cause ? `: ${cause.name || ""} ${cause.message || cause}` : ""}`);
    this.name = "CameraProblem";
    this.kind = kind;
    this.cause = cause;
  }
}

// Names browsers give getUserMedia's failures (current ones, and the older Chrome/Firefox ones).
const KINDS = {
  NotAllowedError: "refused", PermissionDeniedError: "refused", SecurityError: "refused",
  NotFoundError: "none", DevicesNotFoundError: "none", OverconstrainedError: "none",
  NotReadableError: "busy", TrackStartError: "busy", AbortError: "busy",
};

function problemOf(error) {
  return error instanceof CameraProblem ? error : new CameraProblem(KINDS[error && error.name] || "failed", error);
}

/** Why the camera cannot be used at all here (before asking), or null. */
export function cameraUnavailable() {
  // getUserMedia exists only in a secure context: https, or http://localhost. A phone opening the
  // server's LAN address over plain http has no camera API at all.
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "insecure";
  if (!window.ZXingBrowser) return "failed";
  return null;
}

/**
 * Starts the camera into `video` and calls `onText(text)` once, with the first QR code decoded; the camera
 * stops itself then. Resolves with `{stop()}` once the camera runs; rejects with a CameraProblem.
 */
export async function startScanner(video, onText) {
  const unavailable = cameraUnavailable();
  if (unavailable) throw new CameraProblem(unavailable);
  const reader = new window.ZXingBrowser.BrowserQRCodeReader(undefined, {
    delayBetweenScanAttempts: 120, // ~8 decodes a second: quick, and a phone stays cool
    delayBetweenScanSuccess: 1000,
  });
  let finished = false;
  // The back camera when there is one (a phone's front camera faces the staff, not the pass).
  const constraints = { audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 },
                                                height: { ideal: 720 } } };
  let controls;
  try {
    controls = await reader.decodeFromConstraints(constraints, video, (result, _error, running) => {
      if (!result || finished) return; // no code in this frame: keep looking
      finished = true;
      running.stop();
      onText(result.getText());
    });
  } catch (error) {
    throw problemOf(error);
  }
  return {
    stop() {
      finished = true;
      controls.stop();
    },
  };
}
