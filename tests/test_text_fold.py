"""The one folding function of the search: both spellings of a Norwegian
letter fold alike, and folding is stable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from housing_office.text import fold


@pytest.mark.parametrize(
    ("spellings", "folded"),
    [
        (["Sæther", "Saether", "Sather", "SÆTHER"], "sather"),
        (["Fløgstad", "Floegstad", "Flogstad"], "flogstad"),
        (["Aasen", "Åsen", "Asen"], "asen"),
        (["Haaland", "Håland", "Haland"], "haland"),
        (["Ødegård", "Oedegaard", "odegard"], "odegard"),
        (["Michael"], "michal"),
        (["Mikael"], "mikal"),
        (["Rafael"], "rafal"),
        (["Müller", "Muller"], "muller"),
        (["  Kari   Nordmann "], "kari nordmann"),
        (["Naae"], "na"),
        (["𝓐sen", "ÅSEN"], "asen"),
    ],
)
def test_spellings_fold_alike(spellings, folded):
    assert {fold(s) for s in spellings} == {folded}


@settings(max_examples=500)
@given(st.text())
def test_folding_twice_changes_nothing(text):
    assert fold(fold(text)) == fold(text)
