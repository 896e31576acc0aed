"""Issue 4: the generated image of a badge class without one (badger.achievements.images).

A clean, legible PNG (name, issuer, colour), the same bytes for the same input, text at a WCAG
contrast of at least 4.5:1, French accents drawn, long names fitted; it is what the public image
route serves and what the .png download bakes. Sample images are written under
test-artifacts/default-images/ to look at."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from badger.achievements import images
from badger.achievements import service as achievements
from badger.achievements.images import (
    PNG_TYPE,
    badge_palette,
    contrast_ratio,
    default_badge_png,
)
from badger.baking import bake_png, unbake_png

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "default-images"
CEC = "CEC Ouest 2023"
SESSION_1 = "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)"
LONG = (
    "Co-construire une feuille de route régénérative pour son entreprise et son écosystème territorial, "
    "en lien avec les acteurs locaux, les limites planétaires et les planchers sociaux du donut"
)
# Partner colours across the range, including the hard cases for text (mid grey, pure hues).
COLOURS = [
    "#ffffff",
    "#000000",
    "#777777",
    "#808080",
    "#ff0000",
    "#00ff00",
    "#0000ff",
    "#ffff00",
    "#00ffff",
    "#ff00ff",
    "#f4d35e",
    "#1f6f5c",
    "#e76f51",
    "#2a9d8f",
    "1d6f8a",
]


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGBA")


def _save(name: str, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.png").write_bytes(data)


def test_a_legible_png_of_the_expected_size():
    data = default_badge_png(SESSION_1, CEC)
    _save("session-1", data)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = _decode(data)
    assert image.size == (512, 512)
    assert image.getpixel((2, 2))[3] == 0 and image.getpixel((256, 256))[3] == 255  # round, on transparency
    palette = badge_palette(SESSION_1, CEC)
    assert image.getpixel((60, 200))[:3] == palette.main  # the disc, exactly the palette colour
    assert image.getpixel((256, 100))[:3] == palette.dark  # the medallion
    assert image.getpixel((30, 390))[:3] == palette.dark  # the ribbon, wider than the disc
    text_pixels = sum(count for count, colour in image.getcolors(1 << 20) if colour[:3] == palette.text_on_main)
    assert text_pixels > 1500  # the name is written
    # Small enough to bake and serve, and valid by Badger's own upload rules.
    assert len(data) < 64 * 1024
    assert achievements.check_image(data, 1024 * 1024) == PNG_TYPE


def test_same_input_same_bytes_and_different_names_differ():
    first = default_badge_png("Coach", CEC)
    default_badge_png.cache_clear()  # deterministic, not merely cached
    assert default_badge_png("Coach", CEC) == first
    assert default_badge_png("Facilitateur·rice", CEC) != first
    assert default_badge_png("Coach", "Labo de l'ESS") != first
    assert default_badge_png("Coach", CEC, "#1f6f5c") != first


def test_colours_derive_from_the_issuer_and_differ_per_badge():
    import colorsys

    def hue(rgb):
        return colorsys.rgb_to_hls(*(c / 255 for c in rgb))[0] * 360

    a, b = badge_palette("Coach", CEC), badge_palette("Facilitateur·rice", CEC)
    assert a.main != b.main
    distance = abs(hue(a.main) - hue(b.main))
    assert min(distance, 360 - distance) <= 61  # one family per partner: within ±30° of its hue
    assert badge_palette("Coach", CEC) == a


@pytest.mark.parametrize("colour", [None, *COLOURS])
def test_text_contrast_is_at_least_4_5(colour):
    for name, issuer in [("Coach", CEC), (SESSION_1, "Territoire apprenant pays de Vannes"), ("Terdeskiñ", "")]:
        palette = badge_palette(name, issuer, colour)
        assert contrast_ratio(palette.text_on_main, palette.main) >= 4.5, (name, colour, palette)
        assert contrast_ratio(palette.text_on_dark, palette.dark) >= 4.5, (name, colour, palette)
        if colour is None:  # derived colours always carry white text, at 5:1 or more
            assert palette.text_on_main == (255, 255, 255)
            assert contrast_ratio(palette.text_on_main, palette.main) >= 5.0
    if colour is not None:  # the partner's colour, as is when text can be read on it, else nudged
        rgb = tuple(int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        main = badge_palette("Coach", CEC, colour).main
        if max(contrast_ratio(rgb, (255, 255, 255)), contrast_ratio(rgb, (20, 23, 26))) >= 4.5:
            assert main == rgb
        else:
            assert main != rgb and max(abs(a - b) for a, b in zip(main, rgb, strict=True)) <= 24


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    assert contrast_ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)


def test_partner_colour_is_used_and_a_bad_one_ignored():
    chosen = _decode(default_badge_png("Terdeskiñ", "Printemps de l'entreprise", "#f4d35e"))
    _save("terdeskin-yellow", default_badge_png("Terdeskiñ", "Printemps de l'entreprise", "#f4d35e"))
    assert chosen.getpixel((60, 200))[:3] == (0xF4, 0xD3, 0x5E)
    assert default_badge_png("Coach", CEC, "red; background: url(x)") == default_badge_png("Coach", CEC)


def test_french_accents_are_drawn_and_unknown_characters_left_out():
    # The bundled fonts hold the accented letters: "Été" and "Ete" are different pictures.
    assert default_badge_png("Été à Brest — œuvre", CEC) != default_badge_png("Ete a Brest — oeuvre", CEC)
    # Outside the fonts' ranges: accents dropped (NFKD), otherwise left out, never a "?" box.
    assert images._drawable("Ελλάδα 🌍 Badge\n\t ok") == "Badge ok"
    assert images._drawable("Tiếng Việt") == "Tieng Viet"
    assert images._drawable("Montée à bord · Facilitateur·rice «ok» ’") == "Montée à bord · Facilitateur·rice «ok» ’"
    # (the colour comes from the name as given: pin it to compare the drawings)
    assert default_badge_png("Badge 🌍", CEC, "#1f6f5c") == default_badge_png("Badge", CEC, "#1f6f5c")
    assert default_badge_png("🌍", "", "#1f6f5c") == default_badge_png("Badge", "", "#1f6f5c")  # a generic title


@pytest.mark.parametrize(
    "name", ["Coach", SESSION_1, LONG, "Anticonstitutionnellementissimementextraordinaire" * 2, "x", "  \n ", "A" * 300]
)
def test_long_and_odd_names_fit_in_four_lines(name):
    title = images._drawable(name) or "Badge"
    font, lines, line_height = images._fit(
        title, bold=True, width=372, height=152, max_lines=4, sizes=range(50, 20, -2)
    )
    assert 1 <= len(lines) <= 4 and len(lines) * line_height <= 152 + 1e-6 or font.size == 22
    assert all(font.getlength(line) <= 372 for line in lines)
    if " ".join(lines).replace("…", "") != title:
        assert lines[-1].endswith("…") or "".join(lines) == title.replace(" ", "")
    data = default_badge_png(name, "Crois/Sens — entrepreneurs du bien-vivre, une association du territoire")
    assert _decode(data).size == (512, 512)


def test_short_names_are_big_and_long_ones_smaller():
    big, _, _ = images._fit("Coach", bold=True, width=372, height=152, max_lines=4, sizes=range(50, 20, -2))
    small, lines, _ = images._fit(LONG, bold=True, width=372, height=152, max_lines=4, sizes=range(50, 20, -2))
    assert big.size == 50 and small.size < 30 and lines[-1].endswith("…")
    _save("long-name", default_badge_png(LONG, "Labo de l'ESS — chantiers coopératifs"))


def test_other_sizes_and_bad_size():
    assert _decode(default_badge_png("Coach", CEC, size=256)).size == (256, 256)
    with pytest.raises(ValueError):
        default_badge_png("Coach", CEC, size=10_000)


@pytest.mark.parametrize(
    "fmt_payload",
    [
        '{"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "é"}',
        "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln",
    ],
)
def test_bakes_and_keeps_the_picture(fmt_payload):
    data = default_badge_png(SESSION_1, CEC)
    baked = bake_png(data, fmt_payload)
    assert unbake_png(baked) == fmt_payload
    assert _decode(baked).tobytes() == _decode(data).tobytes()


def test_achievement_image_serves_the_default_or_the_upload(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer()
    plain = create_achievement(issuer)
    data, media_type, is_default = images.achievement_image(plain)
    assert (media_type, is_default) == (PNG_TYPE, True)
    assert data == default_badge_png(plain.name, issuer.name)

    uploaded = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 110, 60)).save(uploaded, "PNG")
    with_image = create_achievement(issuer, name="Coach", image=uploaded.getvalue())
    assert images.achievement_image(with_image) == (uploaded.getvalue(), PNG_TYPE, False)
