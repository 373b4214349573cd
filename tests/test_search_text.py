"""Folding, words and a query's analysis: their quick paths give what the full ones give."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.schemes import Scheme
from app.search import _analyzed, _analyzer
from app.search_text import document_texts, fold, words
from app.synthetic import LANGS
from app.vocabulary import Vocabulary

# Letters with and without accents, ligatures, digits, apostrophes, hyphens, spaces, punctuation
# and other scripts: what people type and what schemes say.
TEXTS = st.text(
    alphabet=st.sampled_from(list("aeiouyzAEZéèêëÉàçÇôœŒæßﬁ0129'’-_ ,.«»\"\tΩжあ")), max_size=40
)


def _folded_in_full(text: str) -> str:
    decomposed = unicodedata.normalize(
        "NFKD", text.casefold().translate(str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"}))
    )
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words_split_at_marks(text: str) -> list[str]:
    # Words with their inner apostrophes and hyphens, split at those: words' first definition.
    spans = re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", fold(text))
    return [w for w in re.split(r"['’-]", " ".join(spans)) for w in w.split() if w]


@given(TEXTS)
def test_folding_has_one_result_however_it_goes(text: str) -> None:
    assert fold(text) == _folded_in_full(text)
    assert fold(text.encode("ascii", "ignore").decode()) == _folded_in_full(
        text.encode("ascii", "ignore").decode()
    )


@given(TEXTS)
def test_words_are_the_runs_of_letters_and_digits(text: str) -> None:
    assert words(text) == _words_split_at_marks(text)


def _through_the_analyzer(lang: str, text: str) -> tuple[str, ...]:
    return tuple(token.text for token in _analyzer(lang)(text))


@pytest.mark.parametrize("lang", LANGS)
@given(text=TEXTS)
def test_a_query_is_analyzed_as_the_index_analyzes_it(lang: str, text: str) -> None:
    assert _analyzed(lang, text) == _through_the_analyzer(lang, text)


@pytest.mark.parametrize("lang", LANGS)
def test_every_word_of_the_catalogue_is_analyzed_as_the_index_does(
    catalogue: list[Scheme], vocabulary: Vocabulary, lang: str
) -> None:
    texts = " ".join(
        text for scheme in catalogue for text in document_texts(scheme, vocabulary, lang).values()
    )
    vocabulary_words = set(re.findall(r"\S+", texts))  # with their case, accents and marks
    assert len(vocabulary_words) > 4_000
    for word in vocabulary_words:
        assert _analyzed(lang, word) == _through_the_analyzer(lang, word), word
