"""Draw the site's icons and link-preview image into app/web/static/ (run again after a change).

    .venv/bin/python tools/make_site_images.py

The files are committed, so serving them needs no Pillow; Pillow is a dev dependency for this
script only. Text uses Debian's DejaVu Sans (fonts-dejavu-core): Pillow's bundled font has no
accented letters.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

STATIC = Path(__file__).resolve().parent.parent / "app" / "web" / "static"
ACCENT = (26, 79, 160)  # --accent of style.css
ACCENT_DARK = (18, 58, 120)  # --accent-dark
FOCUS = (245, 180, 0)  # --focus
WHITE = (255, 255, 255)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _mark(size: int) -> Image.Image:
    """The icon: a blue rounded square with a yellow play-like triangle over three white bars."""
    scale = 4  # drawn large then reduced, for smooth edges at 16 px
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=ACCENT)
    unit = big / 16
    for row in range(3):  # three bars: a list of schemes
        top = unit * (4 + row * 3)
        draw.rectangle((unit * 3, top, unit * 8, top + unit * 1.6), fill=WHITE)
    draw.polygon([(unit * 9.5, unit * 4), (unit * 13.5, unit * 8), (unit * 9.5, unit * 12)], FOCUS)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _preview() -> Image.Image:
    """The link preview (1200×630, the size Open Graph readers expect), in both languages."""
    image = Image.new("RGB", (1200, 630), ACCENT_DARK)
    draw = ImageDraw.Draw(image)
    image.paste(_mark(220), (90, 90), _mark(220))
    title = ImageFont.truetype(FONT, size=72)
    subtitle = ImageFont.truetype(FONT, size=38)
    draw.text((360, 110), "Aides culture", font=title, fill=WHITE)
    draw.text((360, 195), "numérique", font=title, fill=WHITE)
    draw.text((90, 380), "Financements publics de la création numérique", font=subtitle, fill=WHITE)
    draw.text((90, 440), "Public funding for digital creation in France", font=subtitle, fill=FOCUS)
    draw.rectangle((0, 600, 1200, 630), fill=ACCENT)
    return image


def main() -> None:
    _mark(256).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    _mark(192).save(STATIC / "icon-192.png", optimize=True)
    # Apple's home-screen icon has no transparency: iOS would paint it black.
    apple = Image.new("RGB", (180, 180), WHITE)
    apple.paste(_mark(180), (0, 0), _mark(180))
    apple.save(STATIC / "apple-touch-icon.png", optimize=True)
    _preview().save(STATIC / "preview.png", optimize=True)


if __name__ == "__main__":
    main()
