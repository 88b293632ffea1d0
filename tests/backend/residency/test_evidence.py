"""Activity evidence: a holder's photo and note, reviewed by staff; an approved one counts as a check-in.

Photos lose every bit of metadata (a JPEG written here with GPS EXIF comes back without it), are refused
past their limits in bytes and pixels with the limit said in both languages, are recognised by content
(not by name), and are kept content-addressed in a store of their own. Routes are scoped to the
municipality: a holder sees only their own evidence, staff of another town are refused, a holder cannot
approve."""

from __future__ import annotations

import io

from PIL import ExifTags, Image, ImageCms

from backend.residency.evidence import evidence_store
from backend.residency.photos import MAX_BYTES, clean_photo
from metadata.cid import cid_of
from tests.backend.access_setup import assert_error
from tests.backend.perks_setup import staff_headers
from tests.backend.residency_setup import Holder, Staff, day_offset, ids_of, issue_card, settings, today, towns  # noqa: F401

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (34.0, 13.0, 45.0),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (131.0, 18.0, 12.0)}


def jpeg_with_gps(size=(640, 480), orientation: int = 6) -> bytes:
    """A phone-like JPEG: GPS position, camera model, and "rotate 90°" orientation in its EXIF."""
    image = Image.new("RGB", size, (200, 120, 40))
    image.paste((20, 60, 200), (0, 0, size[0] // 2, size[1] // 4))  # so the rotation shows in the pixels
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Pocket Camera 9"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo has no GPS"
    return data


def test_colour_profiles_are_applied_then_dropped_and_transparency_becomes_white():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(tagged, "JPEG", icc_profile=srgb)
    kept = Image.open(io.BytesIO(clean_photo(tagged.getvalue()).jpeg))
    assert kept.mode == "RGB" and "icc_profile" not in kept.info
    cmyk = io.BytesIO()
    Image.new("CMYK", (40, 30), (0, 0, 0, 0)).save(cmyk, "JPEG")
    assert Image.open(io.BytesIO(clean_photo(cmyk.getvalue()).jpeg)).getpixel((5, 5))[0] > 240
    clear = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(clear, "WEBP")
    photo = clean_photo(clear.getvalue())
    assert (photo.width, photo.height) == (40, 30) and min(Image.open(io.BytesIO(photo.jpeg)).getpixel((5, 5))) > 240


def send(holder: Holder, activity: int, photo: bytes, day: str | None = None, note: str = "ゴミ袋3つ分を集めました",
         filename: str = "IMG_0001.jpg", content_type: str = "image/jpeg"):
    return holder.client.post("/me/evidence", headers=holder.headers, files={"photo": (filename, photo, content_type)},
                              data={"activity_id": str(activity), "day": day or today(), "note": note})


def mine_with_card(client, app, towns, sync_index, days=None):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    town, _ = ids_of(app, towns.cities[0])
    staff = Staff(client, app)
    return holder, staff, town, staff.activity(town, days=days)


def test_a_photo_is_kept_without_any_metadata_upright_and_content_addressed(client, app, towns, sync_index, settings):
    holder, _, town, activity = mine_with_card(client, app, towns, sync_index)
    original = jpeg_with_gps()
    response = send(holder, activity, original)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["municipality_id"], body["day"]) == ("pending", town, today())
    assert (body["photo_width"], body["photo_height"]) == (480, 640)  # turned as its orientation said

    photo = client.get(body["photo_url"], headers=holder.headers)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    stored = photo.content
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG" and kept.size == (480, 640)
    assert not kept.getexif() and not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in stored and b"Pocket Camera" not in stored and b"taken at home" not in stored
    assert "comment" not in kept.info and "xmp" not in kept.info and "icc_profile" not in kept.info
    # content-addressed, in the evidence store only: /ipfs/{cid} (the public card images) does not serve it
    cid = cid_of(stored)
    assert evidence_store(settings.data_dir).get(cid) == stored and photo.headers["etag"] == f'"{cid}"'
    assert client.get(f"/ipfs/{cid}").status_code == 404
    assert client.get(body["photo_url"], headers={**holder.headers, "If-None-Match": f'"{cid}"'}).status_code == 304


def test_a_photo_too_large_in_bytes_or_pixels_is_refused_saying_the_limit(client, app, towns, sync_index):
    holder, _, _, activity = mine_with_card(client, app, towns, sync_index)
    just_over = b"\xff\xd8\xff\xe0" + b"\0" * (MAX_BYTES - 3)
    body = assert_error(send(holder, activity, just_over), 413, "photo_too_large")
    assert "10 MB" in body["message_en"] and "10 MB" in body["message_ja"] and "(This one is 10 MB.)" in body["message_en"]
    far_over = b"\xff\xd8\xff\xe0" + b"\0" * (2 * MAX_BYTES)  # past the upload's body limit: refused unread
    body = assert_error(send(holder, activity, far_over), 413, "photo_too_large")
    assert "at most 10 MB" in body["message_en"] and "10 MB までの写真" in body["message_ja"]

    huge = io.BytesIO()
    Image.new("1", (8000, 7000)).save(huge, "PNG")  # 56 megapixels in a few kilobytes
    body = assert_error(send(holder, activity, huge.getvalue(), filename="a.png", content_type="image/png"), 413,
                        "photo_too_many_pixels")
    assert "50 megapixels" in body["message_en"] and "8000×7000" in body["message_en"]
    assert "50 メガピクセル" in body["message_ja"]
    assert client.get("/me/evidence", headers=holder.headers).json() == []


def test_what_is_not_a_photo_is_refused_whatever_its_name(client, app, towns, sync_index):
    holder, _, _, activity = mine_with_card(client, app, towns, sync_index)
    body = assert_error(send(holder, activity, b"#!/bin/sh\necho hello\n"), 415, "photo_type_unsupported")
    assert "JPEG" in body["message_en"] and "中身" in body["message_ja"]
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert_error(send(holder, activity, gif.getvalue(), filename="photo.jpg"), 415, "photo_type_unsupported")
    assert_error(send(holder, activity, jpeg_with_gps()[:300]), 422, "photo_unreadable")  # cut off
    png = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 0, 0)).save(png, "PNG")  # a real PNG named .txt is accepted
    response = send(holder, activity, png.getvalue(), filename="notes.txt", content_type="text/plain")
    assert response.status_code == 201, response.text


def test_staff_approve_and_it_counts_as_a_check_in_or_reject_with_a_reason_the_holder_sees(client, app, towns,
                                                                                          sync_index):
    holder, staff, town, activity = mine_with_card(client, app, towns, sync_index, days=[day_offset(-1), today()])
    yesterday = send(holder, activity, jpeg_with_gps(), day=day_offset(-1)).json()
    today_ = send(holder, activity, jpeg_with_gps(orientation=1)).json()
    assert_error(send(holder, activity, jpeg_with_gps()), 409, "evidence_already_sent")
    waiting = client.get(f"/staff/municipalities/{town}/evidence?status=pending", headers=staff.headers).json()
    assert [e["id"] for e in waiting] == [yesterday["id"], today_["id"]] and waiting[0]["holder"] == holder.address
    assert client.get(waiting[0]["photo_url"], headers=staff.headers).headers["content-type"] == "image/jpeg"
    assert holder.progress()[0]["checkins"] == 0  # waiting evidence does not count

    approved = client.post(f"/staff/municipalities/{town}/evidence/{yesterday['id']}/approve", headers=staff.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["evidence"]["status"] == "approved" and approved.json()["progress"]["checkins"] == 1
    assert holder.progress()[0]["checkins"] == 1
    assert_error(client.post(f"/staff/municipalities/{town}/evidence/{yesterday['id']}/reject", headers=staff.headers,
                             json={"reason": "late"}), 409, "evidence_not_pending")
    assert_error(send(holder, activity, jpeg_with_gps(), day=day_offset(-1)), 409, "evidence_already_counted")

    assert_error(client.post(f"/staff/municipalities/{town}/evidence/{today_['id']}/reject", headers=staff.headers,
                             json={"reason": "   "}), 422, "invalid_request")
    rejected = client.post(f"/staff/municipalities/{town}/evidence/{today_['id']}/reject", headers=staff.headers,
                           json={"reason": "活動の様子が写っていません"})
    assert rejected.status_code == 200 and rejected.json()["evidence"]["status"] == "rejected"
    mine = {e["id"]: e for e in client.get("/me/evidence", headers=holder.headers).json()}
    assert mine[today_["id"]]["status"] == "rejected" and mine[today_["id"]]["reason"] == "活動の様子が写っていません"
    assert mine[yesterday["id"]]["status"] == "approved" and holder.progress()[0]["checkins"] == 1
    assert send(holder, activity, jpeg_with_gps()).status_code == 201  # after a rejection, new evidence may follow


def test_approved_evidence_counts_toward_premium_as_a_scan_would(client, app, towns, sync_index):
    holder, staff, town, first = mine_with_card(client, app, towns, sync_index)
    assert holder.verify("evidence-premium-1").status_code == 200
    second, third = staff.activity(town), staff.activity(town)
    assert holder.scan(first).status_code == 201 and holder.scan(second).status_code == 201
    sent = send(holder, third, jpeg_with_gps()).json()
    assert holder.progress()[0]["status"] == "basic"
    approved = client.post(f"/staff/municipalities/{town}/evidence/{sent['id']}/approve", headers=staff.headers)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["progress"]["checkins"] == 3 and body["premium"]["status"] == "active", body
    assert holder.progress()[0]["status"] == "premium"
    # the approved photo is that day's check-in: a scan of the same activity now is the second one
    assert_error(holder.scan(third), 409, "already_checked_in")


def test_evidence_is_scoped_to_its_municipality_and_its_holder(client, app, towns, sync_index):
    holder, staff, town, activity = mine_with_card(client, app, towns, sync_index)
    sent = send(holder, activity, jpeg_with_gps()).json()
    kaga, _ = ids_of(app, towns.cities[1])
    base = f"/staff/municipalities/{town}/evidence"
    kaga_staff = staff_headers(client, app, "kaga-evidence", municipality_id=kaga, role="staff")
    for response in (client.get(base, headers=kaga_staff), client.get(f"{base}/{sent['id']}/photo", headers=kaga_staff),
                     client.post(f"{base}/{sent['id']}/approve", headers=kaga_staff),
                     client.post(f"{base}/{sent['id']}/reject", json={"reason": "x"}, headers=kaga_staff)):
        assert_error(response, 403, "role_required")
    # under another town's path (staff of both towns), the evidence does not exist
    assert_error(client.post(f"/staff/municipalities/{kaga}/evidence/{sent['id']}/approve", headers=staff.headers), 404,
                 "evidence_not_found")
    assert client.get(f"/staff/municipalities/{kaga}/evidence", headers=staff.headers).json() == []
    viewer = staff_headers(client, app, "mine-evidence-viewer", municipality_id=town, role="viewer")
    assert client.get(base, headers=viewer).status_code == 200
    assert_error(client.post(f"{base}/{sent['id']}/approve", headers=viewer), 403, "role_required")
    # a holder cannot approve, nor see another holder's evidence
    client.cookies.clear()
    assert_error(client.post(f"{base}/{sent['id']}/approve", headers=holder.headers), 401, "not_signed_in")
    other = Holder(client, app, towns.chain)
    assert client.get("/me/evidence", headers=other.headers).json() == []
    assert_error(client.get(sent["photo_url"], headers=other.headers), 404, "evidence_not_found")
    client.cookies.clear()  # the other holder's sign-in left its cookie
    assert_error(client.get(sent["photo_url"]), 401, "not_signed_in")
    assert client.get("/me/evidence", headers=holder.headers).json()[0]["status"] == "pending"


def test_only_a_day_the_activity_was_held_by_a_card_of_its_town(client, app, towns, sync_index):
    holder, staff, town, activity = mine_with_card(client, app, towns, sync_index, days=[today(), day_offset(2)])
    photo = jpeg_with_gps()
    assert_error(send(holder, activity, photo, day=day_offset(2)), 409, "evidence_day_future")
    assert_error(send(holder, activity, photo, day=day_offset(-3)), 409, "evidence_day_not_held")
    assert_error(send(holder, activity, photo, day="yesterday"), 422, "evidence_day_invalid")
    kaga_activity = staff.activity(ids_of(app, towns.cities[1])[0])
    body = assert_error(send(holder, kaga_activity, photo), 403, "activity_other_municipality")
    assert "Kaga City" in body["message_en"]
    stranger = Holder(client, app, towns.chain)
    assert_error(send(stranger, activity, photo), 403, "no_valid_card")


def test_odd_input_is_refused_never_a_server_error(client, app, towns, sync_index):
    holder, _, _, activity = mine_with_card(client, app, towns, sync_index)
    post = lambda **kw: client.post("/me/evidence", headers=holder.headers, **kw)  # noqa: E731
    form = {"activity_id": str(activity), "day": today()}
    assert_error(post(data=form), 422, "invalid_request")  # no photo
    assert_error(post(json={**form, "photo": "aGVsbG8="}), 422, "invalid_request")
    assert_error(send(holder, activity, b""), 415, "photo_type_unsupported")
    for bad in ({"activity_id": "abc"}, {"activity_id": str(2**70)}, {"day": "\x00"}, {"day": "2026-02-30"}):
        response = post(data={**form, **bad}, files={"photo": ("a.jpg", jpeg_with_gps(), "image/jpeg")})
        assert 400 <= response.status_code < 500, (bad, response.text)
    assert_error(send(holder, 999_999, jpeg_with_gps()), 404, "activity_not_found")
    response = send(holder, activity, jpeg_with_gps(), note="nul\x00inside")
    assert response.status_code == 201 and response.json()["note"] == "nulinside"
