"""Words and places: which States an IATI region reaches, how texts become words."""

from __future__ import annotations

from infobase.activities.coverage.words import region_states, texts_of, words


def test_a_regional_activity_reaches_only_the_states_of_its_region() -> None:
    assert "EGY" in region_states("189")
    assert "SEN" not in region_states("189")
    assert "SEN" in region_states("289") and "SEN" in region_states("1030")
    assert region_states("998") == frozenset()


def test_spellings_of_one_word_meet_in_its_stem() -> None:
    english = words("Criminalization of the laundering of proceeds of crime")
    french = words("Criminalisation du blanchiment du produit du crime, avec mesures")
    assert english == {"crimin", "launde", "procee", "crime"}
    assert english & french == {"crimin", "crime"}
    # Short words, numbers and stop words say nothing; case and accents do not count.
    assert words("Légalité 2024 ÉTATS with the") == {"legali", "etats"}


def test_arabic_loses_its_article_and_chinese_is_cut_into_pairs() -> None:
    assert words("تجريم غسل عائدات الجرائم") == {"تجريم", "غسل", "عايدات", "جرايم"}
    assert {"洗钱", "犯罪", "所得"} <= words("将犯罪所得洗钱行为定为刑事犯罪")
    assert words("罪") == {"罪"}


def test_the_texts_of_a_translated_field_are_its_non_empty_values() -> None:
    assert list(texts_of({"en": "Support", "fr": "", "es": "Apoyo"})) == ["Support", "Apoyo"]
    assert list(texts_of("Support")) == ["Support"]
    assert list(texts_of(None)) == []
