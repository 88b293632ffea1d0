"""A fake camera for browser tests: a Y4M video that shows a real QR code.

Chromium can take a video file as its camera:

    --use-fake-device-for-media-stream          a fake capture device instead of real hardware
    --use-file-for-fake-video-capture=FILE.y4m  whose frames come from FILE (looped)

The camera permission: headless Chromium refuses it by default (the page's
getUserMedia rejects with NotAllowedError, as when a person taps "Block").
`set_camera_permission(driver, origin, allowed)` grants or refuses it per
origin through CDP (Browser.setPermission), so one browser can test both the
scan and the refusal. (The flag --use-fake-ui-for-media-stream accepts every
prompt instead, and then overrides a CDP refusal; --deny-permission-prompts
refuses every prompt.)

so getUserMedia() in the page sees the QR code we drew, and the page's own
scanner (ZXing) must find and decode it: the QR path is tested end to end,
nothing in the page is bypassed.

Y4M (YUV4MPEG2) is a text header line and then, per frame, "FRAME\\n" and the
raw planes: 4:2:0 means the Y (luma) plane at full size and the Cb and Cr
planes at half width and half height. Pillow's "YCbCr" mode is the JPEG
(full-range BT.601) conversion, hence the C420jpeg colour space tag.

Chromium opens the file each time a capture starts, so a test can rewrite it
(`FakeCamera.show(text)`) before the page starts the camera to show a new
code; the replacement is atomic (write, then rename) so a capture never reads
half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import segno
from PIL import Image

WIDTH, HEIGHT = 640, 480  # VGA: what a phone's preview stream typically gives the page
FRAMES = 10
FPS = 10


def qr_frame(text: str, width: int = WIDTH, height: int = HEIGHT, fill: float = 0.7) -> Image.Image:
    """An RGB frame: the QR code of `text`, quiet zone included, centred on a light grey desk.

    `fill` is the share of the frame's shorter side the code takes, like a phone held at a
    comfortable distance. Modules are whole pixels (nearest-neighbour scaling) so edges stay sharp.
    """
    if not text:
        raise ValueError("text is empty: a QR code needs something to encode")
    if not 0 < fill <= 1:
        raise ValueError(f"fill must be in (0, 1], got {fill}")
    if width % 2 or height % 2:
        raise ValueError(f"4:2:0 video needs an even width and height, got {width}x{height}")
    qr = segno.make(text, error="m", micro=False)
    modules = qr.symbol_size(scale=1, border=4)[0]  # with the 4-module quiet zone the standard asks for
    scale = max(1, int(min(width, height) * fill) // modules)
    if scale < 2:
        raise ValueError(f"a {modules}-module code does not fit {width}x{height} at 2 px per module or more")
    code = Image.new("L", (modules, modules), 255)
    for y, row in enumerate(qr.matrix_iter(scale=1, border=4)):
        for x, dark in enumerate(row):
            if dark:
                code.putpixel((x, y), 0)
    code = code.resize((modules * scale, modules * scale), Image.NEAREST)
    frame = Image.new("RGB", (width, height), (200, 200, 200))
    frame.paste(code.convert("RGB"), ((width - code.width) // 2, (height - code.height) // 2))
    return frame


def y4m_bytes(frames: list[Image.Image], fps: int = FPS) -> bytes:
    """A YUV4MPEG2 stream (C420jpeg, progressive, square pixels) of the given RGB frames."""
    if not frames:
        raise ValueError("a video needs at least one frame")
    width, height = frames[0].size
    if width % 2 or height % 2:
        raise ValueError(f"4:2:0 video needs an even width and height, got {width}x{height}")
    out = [f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii")]
    for frame in frames:
        if frame.size != (width, height):
            raise ValueError(f"every frame must be {width}x{height}, got {frame.size[0]}x{frame.size[1]}")
        y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
        half = (width // 2, height // 2)
        out += [b"FRAME\n", y.tobytes(), cb.resize(half, Image.BOX).tobytes(), cr.resize(half, Image.BOX).tobytes()]
    return b"".join(out)


def write_y4m(path: Path, frames: list[Image.Image], fps: int = FPS) -> Path:
    """Write the video atomically (a capture starting now reads the old file or the new one, never half)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(y4m_bytes(frames, fps))
    os.replace(tmp, path)
    return path


def blank_frame(width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    """A frame with nothing to decode (a camera pointed at the desk)."""
    return Image.new("RGB", (width, height), (200, 200, 200))


class FakeCamera:
    """One video file that Chromium uses as its camera; `show()` changes what it films.

    Give `chromium_args()` to the browser at launch (the file's path is fixed then); call
    `show(text)` before the page starts the camera.
    """

    def __init__(self, path: Path, width: int = WIDTH, height: int = HEIGHT) -> None:
        self.path = Path(path)
        self.width, self.height = width, height
        self.showing: str | None = None
        self.clear()

    def show(self, text: str, frames: int = FRAMES) -> Path:
        """Film the QR code of `text` from the next capture start on."""
        frame = qr_frame(text, self.width, self.height)
        write_y4m(self.path, [frame] * frames)
        self.showing = text
        return self.path

    def clear(self) -> Path:
        """Film an empty desk (nothing to decode)."""
        write_y4m(self.path, [blank_frame(self.width, self.height)] * 2)
        self.showing = None
        return self.path

    def chromium_args(self, prompts: str | None = None) -> list[str]:
        """Flags that make this file the camera.

        prompts: None (the permission is whatever `set_camera_permission` says; refused until then),
        "accept" (every permission prompt accepted) or "deny" (every prompt refused).
        """
        args = ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={self.path}"]
        if prompts == "accept":
            args.append("--use-fake-ui-for-media-stream")
        elif prompts == "deny":
            args.append("--deny-permission-prompts")
        elif prompts is not None:
            raise ValueError(f"prompts must be None, 'accept' or 'deny', got {prompts!r}")
        return args


def set_camera_permission(driver, origin: str, allowed: bool) -> None:
    """Grant or refuse the camera to `origin` (e.g. "http://127.0.0.1:8000") in this Selenium Chromium.

    Takes effect at the page's next getUserMedia call. Not with --use-fake-ui-for-media-stream,
    which accepts regardless.
    """
    driver.execute_cdp_cmd("Browser.setPermission", {
        "permission": {"name": "camera"}, "setting": "granted" if allowed else "denied", "origin": origin.rstrip("/")})
