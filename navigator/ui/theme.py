"""Look and feel: city-hall navy and teal, large type, a high-contrast variant, text scaling.

Everything is readable at 1 m: body text >= 28 px on a 1080p screen at scale 1.0.
Meaning never rests on colour alone: states carry a symbol and a word.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont

FONT_FAMILY = "Noto Sans CJK JP"
SCALES = (1.0, 1.2, 1.4)      # the text-size button cycles through these


@dataclass(frozen=True)
class Palette:
    background: str
    panel: str
    text: str
    muted: str
    accent: str          # teal
    accent_text: str
    navy: str
    border: str
    banner: str
    banner_text: str


CALM = Palette(background="#eef3f7", panel="#ffffff", text="#13233a", muted="#3d4f66", accent="#0f7c80",
               accent_text="#ffffff", navy="#12325b", border="#c5d3e0", banner="#fff4d6", banner_text="#3b2f00")
HIGH_CONTRAST = Palette(background="#000000", panel="#000000", text="#ffffff", muted="#ffff66", accent="#ffff00",
                        accent_text="#000000", navy="#000000", border="#ffffff", banner="#ffffff",
                        banner_text="#000000")


def app_font(base_px: int) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(base_px)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return font


def base_px(short_side: int, scale: float) -> int:
    """Body text size: 28 px when the screen's short side is 1080 px (1080p either way up), times the visitor's choice."""
    return max(16, round(28 * short_side / 1080 * scale))


def stylesheet(p: Palette, px: int, bar_px: int | None = None) -> str:
    """`px`: body text (the visitor's size choice included); `bar_px`: the top bar, which keeps its size."""
    big, huge, small = round(px * 1.25), round(px * 1.7), round(px * 0.8)
    bar_px = bar_px or px
    return f"""
    QWidget#kiosk {{ background: {p.background}; color: {p.text}; }}
    QWidget {{ color: {p.text}; }}
    QLabel {{ background: transparent; }}
    QFrame#topbar {{ background: {p.navy}; border-bottom: 3px solid {p.accent}; }}
    QFrame#topbar QLabel {{ color: #ffffff; font-size: {round(bar_px * 1.25)}px; font-weight: bold; }}
    QFrame#topbar QPushButton {{ background: transparent; color: #ffffff; border: 2px solid #ffffff;
        border-radius: 10px; padding: 6px 12px; font-size: {round(bar_px * 0.9)}px; }}
    QFrame#topbar QPushButton:checked {{ background: #ffffff; color: {p.navy}; font-weight: bold; }}
    QFrame#panel {{ background: {p.panel}; border: 2px solid {p.border}; border-radius: 18px; }}
    QLabel#heading {{ font-size: {big}px; font-weight: bold; color: {p.navy if p is CALM else p.text}; }}
    QLabel#cardTitle {{ font-size: {huge}px; font-weight: bold; color: {p.navy if p is CALM else p.text}; }}
    QLabel#body {{ font-size: {px}px; }}
    QLabel#muted {{ font-size: {small}px; color: {p.muted}; }}
    QLabel#subtitleGuide {{ font-size: {px}px; font-weight: bold; }}
    QLabel#subtitleVisitor {{ font-size: {px}px; color: {p.muted}; }}
    QLabel#state {{ font-size: {px}px; font-weight: bold; }}
    QLabel#qrCaption {{ font-size: {px}px; font-weight: bold; }}
    QPushButton {{ font-size: {px}px; background: {p.panel}; color: {p.text}; border: 2px solid {p.accent};
        border-radius: 14px; padding: 12px 16px; }}
    QPushButton:pressed {{ background: {p.accent}; color: {p.accent_text}; }}
    QPushButton#primary {{ background: {p.accent}; color: {p.accent_text}; font-size: {big}px; font-weight: bold;
        border: 3px solid {p.accent}; border-radius: 24px; padding: 18px; }}
    QPushButton#category {{ min-height: {round(px * 2.6)}px; }}
    QLabel#categoryLabel {{ font-size: {px}px; font-weight: bold; }}
    QPushButton#service {{ min-height: {round(px * 2.0)}px; }}
    QLabel#serviceLabel {{ font-size: {px}px; qproperty-alignment: 'AlignVCenter | AlignLeft'; }}
    QPushButton#key {{ font-size: {px}px; min-width: {round(px * 1.6)}px; min-height: {round(px * 1.8)}px;
        padding: 2px; border-radius: 8px; }}
    QLineEdit {{ font-size: {px}px; padding: 10px; border: 2px solid {p.accent}; border-radius: 12px;
        background: {p.panel}; color: {p.text}; }}
    QFrame#banner {{ background: {p.banner}; border: 2px solid {p.banner_text}; border-radius: 12px; }}
    QFrame#banner QLabel {{ color: {p.banner_text}; font-size: {px}px; }}
    QFrame#overlay {{ background: rgba(10, 25, 45, 200); }}
    QFrame#dialog {{ background: {p.panel}; border: 3px solid {p.accent}; border-radius: 20px; }}
    QComboBox {{ font-size: {px}px; padding: 6px; }}
    QProgressBar {{ border: 2px solid {p.border}; border-radius: 8px; background: {p.panel}; text-align: center;
        min-height: {round(px * 0.8)}px; }}
    QProgressBar::chunk {{ background: {p.accent}; }}
    QScrollArea {{ border: none; background: transparent; }}
    QScrollArea > QWidget > QWidget {{ background: transparent; }}
    QScrollBar:vertical {{ width: {round(px * 1.1)}px; background: {p.background}; border: 1px solid {p.border}; }}
    QScrollBar::handle:vertical {{ background: {p.accent}; min-height: {px * 2}px; border-radius: 6px; }}
    """
