"""A font with Korean and Chinese glyphs for matplotlib, so CJK labels never show as boxes.

matplotlib draws with DejaVu Sans, which has no Hangul and no Chinese characters.
:func:`use_cjk_font` finds an installed font that has them and registers it as a fallback
behind DejaVu Sans: Latin text keeps DejaVu Sans, and each CJK character comes from the CJK
font (matplotlib >= 3.6 falls back glyph by glyph along ``font.family``). On Colab, which
has no CJK font, it installs Debian's ``fonts-noto-cjk`` once. When no font can be had it
returns ``None``, prints one note, and figures keep English labels
(``densenet_lab.i18n.figure_language``).
"""

from __future__ import annotations

import subprocess
import sys

# family names, best first; each covers Hangul and Simplified Chinese unless listed in KOREAN_ONLY
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK TC",
                "Source Han Sans SC", "Source Han Sans K", "Source Han Sans", "WenQuanYi Zen Hei",
                "Droid Sans Fallback", "NanumGothic")
KOREAN_ONLY = ("NanumGothic",)
# the files (name fragments, lower case) that hold those families, for a font installed after
# matplotlib's font cache was written (its cache is not refreshed when fonts are added)
FONT_FILES = ("notosanscjk", "sourcehansans", "wqy-zenhei", "droidsansfallback", "nanumgothic")
APT_PACKAGE = "fonts-noto-cjk"

_state = {"scanned": False, "installed": False, "warned": False}
_chosen: dict[str, str | None] = {}  # lang -> what use_cjk_font found (figures ask once per frame)


def find_cjk_font(lang: str = "zh") -> str | None:
    """The family name of an installed font with the glyphs of ``lang`` (``"ko"`` or ``"zh"``;
    Korean may use NanumGothic, which has no Chinese), or ``None``. Fonts installed since
    matplotlib cached its font list are added to it first."""
    from matplotlib import font_manager

    allowed = [f for f in CJK_FAMILIES if lang == "ko" or f not in KOREAN_ONLY]
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((f for f in allowed if f in names), None)
    if found is None and not _state["scanned"]:
        _state["scanned"] = True
        for path in font_manager.findSystemFonts():
            if any(part in path.lower().replace(" ", "") for part in FONT_FILES):
                font_manager.fontManager.addfont(path)
        return find_cjk_font(lang)
    return found


def _install_on_colab() -> None:
    """``apt-get install fonts-noto-cjk`` quietly, once, on Colab only; rescan the fonts after."""
    if "google.colab" not in sys.modules or _state["installed"]:
        return
    _state["installed"] = True
    print(f"installing {APT_PACKAGE} for Korean and Chinese figure labels ...", flush=True)
    subprocess.run(["apt-get", "-qq", "install", "-y", APT_PACKAGE], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _state["scanned"] = False  # look at the files again


def register(family: str) -> None:
    """Make ``family`` matplotlib's fallback after DejaVu Sans, in ``font.sans-serif`` and as a
    glyph fallback in ``font.family`` (for text in the default ``sans-serif``)."""
    import matplotlib

    sans = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
    where = sans.index("DejaVu Sans") + 1 if "DejaVu Sans" in sans else 0
    matplotlib.rcParams["font.sans-serif"] = [*sans[:where], family, *sans[where:]]
    families = list(matplotlib.rcParams["font.family"])
    if family not in families:
        matplotlib.rcParams["font.family"] = [*families, family]


def use_cjk_font(lang: str = "zh") -> str | None:
    """Register a font with the glyphs of ``lang`` (``"ko"`` or ``"zh"``) for matplotlib and return
    its family name; on Colab, install one when there is none. ``None`` (with one printed note)
    when no font can be had: figures then keep English labels."""
    if lang in _chosen:
        return _chosen[lang]
    try:
        family = find_cjk_font(lang)
        if family is None and "google.colab" in sys.modules and not _state["installed"]:
            _install_on_colab()
            family = find_cjk_font(lang)
    except ImportError:  # no matplotlib: no figures to label
        return None
    if family is None:
        if not _state["warned"]:
            _state["warned"] = True
            print(f"No font with Korean and Chinese glyphs is installed (Debian/Ubuntu: apt-get install {APT_PACKAGE}); "
                  "figures keep English labels.")
    else:
        register(family)
    _chosen[lang] = family
    return family
