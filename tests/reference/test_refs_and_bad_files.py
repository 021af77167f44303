from __future__ import annotations

import io

import pytest

from infobase.core.errors import InvalidInput
from infobase.reference.loaders.reference import DATA_DIR, load_states
from infobase.reference.models import Article, State
from infobase.reference.refs import parse_article_ref

pytestmark = pytest.mark.django_db


def test_it_parses_a_reference_to_a_paragraph():
    ref = parse_article_ref("UNTOC 16(3)")
    assert (ref.article.instrument.code, ref.article.number, ref.paragraph) == ("untoc", 16, 3)
    assert ref.code == "untoc 16(3)"
    assert parse_article_ref("tip art. 6").paragraph is None


@pytest.mark.parametrize("text", ["untoc 99", "nope 1", "untoc", "untoc 16(0)"])
def test_it_refuses_references_that_do_not_exist(text):
    with pytest.raises(ValueError):
        parse_article_ref(text)


def test_it_refuses_a_paragraph_beyond_the_article():
    article = Article.objects.get(instrument__code="untoc", number=16)
    assert article.paragraph_count
    with pytest.raises(ValueError, match="no paragraph"):
        parse_article_ref(f"untoc 16({article.paragraph_count + 1})")


def test_a_malformed_states_file_is_rejected_whole():
    source = DATA_DIR / "states.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    broken_m49 = second.split(",")
    broken_m49[2] = "9x9"
    text = "\n".join([header, first.replace(first.split(",")[0], "ZZZ", 1), ",".join(broken_m49)])
    before = list(State.objects.order_by("pk").values_list("iso3", "m49", "name_en"))
    with pytest.raises(InvalidInput) as caught:
        load_states(io.BytesIO(text.encode()), name="states.csv")
    assert any(p.line == 3 and p.column == "m49" for p in caught.value.problems)
    assert list(State.objects.order_by("pk").values_list("iso3", "m49", "name_en")) == before
    assert not State.objects.filter(iso3="ZZZ").exists()


def test_a_file_that_is_not_utf8_is_rejected():
    with pytest.raises(InvalidInput, match="UTF-8"):
        load_states(io.BytesIO("iso3\n\xe9".encode("latin-1")), name="latin.csv")
