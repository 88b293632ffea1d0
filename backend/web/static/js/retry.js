// "Try again in N s" after a throttled sign-in. The backend answers a sign-in that comes too soon after too
// many failed ones with 429 `login_throttled` and the seconds to wait (`retry_after`, and the Retry-After
// header); the desk and the console count them down in the page's language.

/** The seconds `error` (an ApiError) asks to wait before signing in again; 0 if it does not. */
export function retryAfter(error) {
  const seconds = error && error.status === 429 && error.body ? Number(error.body.retry_after) : 0;
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 0;
}

/** Shows text(seconds left) in `element` and counts down each second to text(0), then calls onEnd().
 * The element (an alert) is read out by screen readers when the wait starts and when it is over, not at every
 * second: its role is taken off while the number changes. Returns {draw() again (a language switch), stop(),
 * left (seconds)}. */
export function countDown(element, seconds, { text, onEnd = () => {} }) {
  const role = element.getAttribute("role") || "alert";
  const until = Date.now() + seconds * 1000;
  let timer = null;
  let drawn = false;
  const countdown = {
    left: seconds,
    draw() {
      if (drawn && countdown.left > 0) element.removeAttribute("role");
      else element.setAttribute("role", role);
      element.hidden = false;
      element.textContent = text(countdown.left);
      drawn = true;
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      element.setAttribute("role", role);
    },
  };
  const step = () => {
    countdown.left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    countdown.draw();
    if (countdown.left === 0) {
      countdown.stop();
      onEnd();
    }
  };
  timer = setInterval(step, 1000);
  step();
  return countdown;
}
