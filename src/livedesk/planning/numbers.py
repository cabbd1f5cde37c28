"""Numbers for people: rounded half up (as money is) and written the Dutch or English way.

Dutch readers expect 1.029 and €12.936,00; English readers 1,029 and €12,936.00. Python's
own formatting rounds the binary float, so 2.695 (stored as 2.69499…) would show as 2.69;
here every figure goes through Decimal and ROUND_HALF_UP from its shortest repr, so it shows
as 2.70, the way a person with a calculator rounds it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def half_up(x: float | Decimal, decimals: int) -> Decimal:
    """``x`` rounded half up to ``decimals`` places, from the float's shortest repr."""
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def num(x: float | Decimal, decimals: int = 0, lang: str = "nl", *, grouping: bool = True) -> str:
    """1.234,56 in Dutch, 1,234.56 in English; ∞ for infinity."""
    if not isinstance(x, Decimal) and math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if not isinstance(x, Decimal) and math.isnan(x):
        return "–"
    d = half_up(x, decimals)
    if d == 0:
        d = abs(d)  # no "-0,00"
    text = f"{d:,.{decimals}f}" if grouping else f"{d:.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def short(x: float, lang: str = "nl", max_decimals: int = 2) -> str:
    """As few decimals as the value needs, at most ``max_decimals``: 10, 2,5, 0,035."""
    text = num(x, max_decimals, lang, grouping=False)
    sep = "," if lang == "nl" else "."
    if sep in text:
        text = text.rstrip("0").rstrip(sep)
    return text


def money(x: float, lang: str = "nl", decimals: int = 2) -> str:
    """€12.936,00 (nl) or €12,936.00 (en)."""
    if math.isinf(x):
        return "∞"
    return ("-€" if x < 0 and half_up(x, decimals) != 0 else "€") + num(abs(x), decimals, lang)


def pct(share: float, decimals: int = 1, lang: str = "nl") -> str:
    """A share 0..1 as a percentage: 94,4% (nl) or 94.4% (en)."""
    if math.isinf(share) or math.isnan(share):
        return num(share, decimals, lang)
    return num(Decimal(repr(float(share))).scaleb(2), decimals, lang) + "%"
