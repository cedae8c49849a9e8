"""/favicon.ico: browsers ask every site for it; it is the brand mark, not a 404."""

from __future__ import annotations

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_favicon_is_an_ico_of_the_brand_mark_at_the_usual_sizes(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert "max-age" in response.headers["cache-control"]
    data = response.content
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)  # an icon, not a cursor
    sizes = []
    for i in range(count):
        width, height, _, _, _, _, size, offset = struct.unpack("<BBBBHHII",
                                                                data[6 + 16 * i:22 + 16 * i])
        image = data[offset:offset + size]
        assert image.startswith(PNG_SIGNATURE) and len(image) == size
        # The PNG's own header agrees with the directory entry.
        assert struct.unpack(">II", image[16:24]) == (width, height)
        sizes.append(width)
    assert {16, 32} <= set(sizes)


def test_favicon_needs_no_login_and_sets_no_cookie(client):
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
