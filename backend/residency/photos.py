"""Evidence photos: recognised by their bytes, bounded in bytes and pixels, kept as a new JPEG with no metadata.

A phone writes much more than pixels into a photo: EXIF (the GPS position above all, the time, the
camera's serial number), XMP, a JPEG comment, a PNG's text chunks. The municipality needs none of it, so
rather than deleting the tags we know of, we keep only the pixels: decode, turn the picture as its EXIF
orientation says (so it stays upright once the tag is gone), convert its colours to sRGB, and encode a new
JPEG from a new image that carries no metadata at all. Whatever a file carried, what is stored has none.

The file's type is read from its first bytes, never from its name or the Content-Type the client sent,
and Pillow is only allowed the one decoder those bytes name.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from backend.errors import Refusal

MAX_BYTES = 10_000_000  # a phone's photo is 2-8 MB
MAX_PIXELS = 50_000_000  # a 48-megapixel camera's full size; decoding more would take too much memory
MAX_SIDE = 2048  # the stored photo's longer side: enough to see who did what, small to keep and show
QUALITY = 85
# A PNG or WebP has no reduced decode (a JPEG has: Image.draft), so 50 megapixels of RGBA take 200 MB and
# more while decoded: two at a time per process bounds what a burst of uploads can take.
_DECODING = threading.BoundedSemaphore(2)

_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes  # what is stored: pixels only
    width: int
    height: int


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0")


def too_large(size: int | None = None) -> Refusal:
    """413 saying the limit (and the photo's size when it is known)."""
    limit = megabytes(MAX_BYTES)
    if size is None:
        return Refusal("photo_too_large", limit_mb=limit)
    return Refusal("photo_too_large", detail="photo_size_was", limit_mb=limit, size_mb=megabytes(size))


def sniff(data: bytes) -> str | None:
    """The accepted type these bytes are, by their magic bytes: "JPEG", "PNG", "WEBP" (Pillow's names), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _to_srgb_rgb(image: Image.Image) -> Image.Image:
    """RGB in sRGB: the embedded colour profile applied (a wide-gamut phone photo keeps its colours), a
    transparent background made white."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "CMYK"):
        try:
            return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), _SRGB,
                                             outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the plain conversion below
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def clean_photo(data: bytes) -> CleanPhoto:
    """The photo re-encoded as a metadata-free JPEG of at most MAX_SIDE pixels a side; a Refusal saying why
    not (too large, too many pixels, not a JPEG/PNG/WebP, unreadable)."""
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    kind = sniff(data)
    if kind is None:
        raise Refusal("photo_type_unsupported")
    with _DECODING:
        return _clean(data, kind)


def _clean(data: bytes, kind: str) -> CleanPhoto:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is lower
            image = Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise Refusal("photo_too_many_pixels", limit_mp=MAX_PIXELS // 1_000_000) from None
    except Exception:  # whatever the decoder makes of a file that is not what it says it is
        raise Refusal("photo_unreadable") from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise Refusal("photo_too_many_pixels", detail="photo_pixels_were", limit_mp=MAX_PIXELS // 1_000_000,
                          width=width, height=height)
        try:
            if kind == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # the decoder scales down by 1/2..1/8: less memory, faster
            image.load()
            # Smaller first (a fast integer reduction, then Lanczos), so turning and converting work on the small
            # copy: a 49-megapixel PNG took 3.5-4.1 s to scale with Pillow's default reducing gap (2.0), 1.1-1.2 s with
            # 1.0 (a loaded 2-core machine); the loss is invisible at this size.
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=1.0)
            rgb = _to_srgb_rgb(ImageOps.exif_transpose(image))
        except Exception:  # truncated or corrupt pixel data
            raise Refusal("photo_unreadable") from None
    # A new image has an empty `info`: no EXIF, XMP, comment or profile can ride along into the encoder.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=QUALITY)
    return CleanPhoto(out.getvalue(), clean.width, clean.height)
