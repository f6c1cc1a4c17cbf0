"""GSM-7, the SMS alphabet: which characters fit, how many segments a text costs, making it fit.

One character outside GSM-7 (a curly quote, an emoji) turns the whole message into UCS-2, which
holds 70 characters a segment instead of 160: the same reply then costs two or three times as much
and may be split where a phone shows it badly.
"""

from __future__ import annotations

import unicodedata

# GSM 03.38 basic table (the escape character 0x1B left out: it only prefixes the extension).
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character).
EXTENSION = "\f^{}\\[~]|€"
_BASIC, _EXTENSION = frozenset(BASIC), frozenset(EXTENSION)

SINGLE_GSM, PART_GSM = 160, 153  # a concatenated message loses 7 septets a part to its header
SINGLE_UCS2, PART_UCS2 = 70, 67

# Typography that word processors and phones put in, mapped to what GSM-7 has.
_PLAIN = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "•": "-",
        "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
        "…": "...", "×": "x", "\u200b": "", "\ufeff": "",
        # Letters that have no accent to drop (NFKD leaves them whole).
        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "œ": "oe", "Œ": "OE", "ı": "i",
    }
)  # fmt: skip


def septets(char: str) -> int | None:
    """1 or 2 septets for a GSM-7 character; None when it is not one."""
    if char in _BASIC:
        return 1
    return 2 if char in _EXTENSION else None


def is_gsm(text: str) -> bool:
    return all(septets(c) is not None for c in text)


def non_gsm(text: str) -> list[str]:
    """The characters that would force UCS-2, once each, in order."""
    return list(dict.fromkeys(c for c in text if septets(c) is None))


def segments(text: str) -> int:
    """How many SMS segments `text` costs: 160/153 septets in GSM-7, else 70/67 in UCS-2."""
    if not text:
        return 1
    if is_gsm(text):
        units = [septets(c) or 1 for c in text]
        single, part = SINGLE_GSM, PART_GSM
    else:
        # UTF-16 code units; an emoji's surrogate pair must stay in one part.
        units = [len(c.encode("utf-16-le")) // 2 for c in text]
        single, part = SINGLE_UCS2, PART_UCS2
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for size in units:  # an escape pair or surrogate pair is never split across parts
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


def length(text: str) -> int:
    """Septets for GSM-7 text (extension characters count twice), else UTF-16 code units."""
    if is_gsm(text):
        return sum(septets(c) or 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def first_segment(text: str) -> str:
    """What the first part holds: all of `text` if it is one segment, else 153 septets' worth."""
    if segments(text) == 1:
        return text
    budget, used, out = (PART_GSM if is_gsm(text) else PART_UCS2), 0, []
    for char in text:
        size = septets(char) or len(char.encode("utf-16-le")) // 2
        if used + size > budget:
            break
        out.append(char)
        used += size
    return "".join(out)


def gsm_safe(text: str) -> str:
    """`text` in GSM-7 only: typography made plain, accents dropped where GSM-7 lacks them,
    anything else (emoji, symbols) left out rather than forcing the whole reply into UCS-2."""
    text = text.translate(_PLAIN)
    out = []
    for char in text:
        if septets(char) is not None:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and is_gsm(base) else "")
    return "".join(out)
