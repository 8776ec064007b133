"""Baked PNG badges: the credential goes in once, uncompressed, and comes out unchanged."""

from __future__ import annotations

import pytest

from common.baking import BakingError, badge_png, bake_png, unbake_png


def test_round_trip_and_rebake_replaces() -> None:
    image = badge_png(64)
    baked = bake_png(image, {"id": "urn:uuid:1", "name": "Ż"})
    assert unbake_png(baked) == {"id": "urn:uuid:1", "name": "Ż"}
    rebaked = bake_png(baked, {"id": "urn:uuid:2"})
    assert unbake_png(rebaked) == {"id": "urn:uuid:2"}
    assert rebaked.count(b"openbadgecredential") == 1


def test_unbaked_and_foreign_images_are_refused() -> None:
    with pytest.raises(BakingError, match="not a baked badge"):
        unbake_png(badge_png(16))
    with pytest.raises(BakingError, match="not a PNG"):
        unbake_png(b"GIF89a...")
    with pytest.raises(BakingError, match="truncated"):
        unbake_png(bake_png(badge_png(16), {"a": 1})[:-20])
