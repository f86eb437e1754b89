"""Text folding for search: "odegard" finds "Ødegård", "Sather" finds "Sæther".

`fold` is the one folding function: the stored search text and the query are
both folded with it, so any two spellings it folds alike find each other.
Changing it changes the stored texts' meaning: recompute them afterwards
(`manage.py refresh_search_text`).
"""

from __future__ import annotations

import re
import unicodedata

# Letters Unicode does not decompose into a base letter and an accent. The
# Norwegian letters fold to the plain letter people type without them:
# "Sather" for Sæther, "Flogstad" for Fløgstad, "Asen" for Åsen.
_SPECIAL = str.maketrans({"æ": "a", "ø": "o", "å": "a", "ß": "ss", "đ": "d", "ł": "l", "þ": "th"})

# The spelled-out forms: "ae" for æ (Saether), "oe" for ø (Floegstad) and
# "aa" for å (Aasen, Haaland, the old spelling). Each folds to its first
# letter, as the Norwegian letter does. Some names that are not Norwegian
# fold too ("Michael" to "michal"), on both sides alike, so they still find
# themselves; the price is a few more hits ("Rafal" also finds "Rafael").
_SPELLED_OUT = re.compile(r"a[ae]|oe")


def fold(value: str) -> str:
    """Lower-case, Norwegian letters and their spelled-out forms folded to
    the plain letter, accents removed, spaces collapsed. Folding twice
    changes nothing."""
    # Compatibility forms first ("𝓐" is "A"), then case, then the letters.
    text = unicodedata.normalize("NFKD", value or "").casefold().translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # Repeat until stable: folding "aae" leaves "ae", which folds again.
    while (shorter := _SPELLED_OUT.sub(lambda m: m.group(0)[0], text)) != text:
        text = shorter
    return " ".join(text.split())
