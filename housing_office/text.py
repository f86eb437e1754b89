"""Text folding for search: "odegard" finds "Ødegård"."""

from __future__ import annotations

import unicodedata

# Letters Unicode does not decompose into a base letter and an accent.
_SPECIAL = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "đ": "d", "ł": "l", "þ": "th"})


def fold(value: str) -> str:
    """Lower-case, Norwegian letters spelled out, accents removed, spaces collapsed."""
    text = (value or "").lower().translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # "aa" is the old spelling of "å" (Aasen, Haaland): fold both the same way.
    text = text.replace("aa", "a")
    return " ".join(text.split())
