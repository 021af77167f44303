"""The scoring of suggested links on plain data: which activities are candidates for a need,
their confidence and reasons (the rules are in ``suggestions``' docstring).

A candidate of a need is an activity of the need's State (a recipient, or through a region)
that names the need's article in a theme, or has the need's instrument and kind of assistance,
or has a word in common with the need. ``best_links`` scores all the candidates of the needs
of one State at once, with arrays: activities × needs for the article, instrument, sector and
kind signals, and the words in common per language as a product of the activities' word
incidence and the needs'. The figures are those of one need and one activity at a time, to the
last bit: the same float operations in the same order (adding 0.0 or multiplying by 1.0 where
a signal is absent changes nothing), the same ties (the lowest activity id first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from infobase.activities.coverage.counting import PLACES
from infobase.reference.models import AssistanceKind

if TYPE_CHECKING:  # numpy loads when suggestions are computed, not at start-up
    import numpy as np
    from numpy.typing import NDArray

W_ARTICLE = Decimal("0.40")
W_INSTRUMENT = Decimal("0.25")
W_SECTOR = Decimal("0.15")
W_KIND = Decimal("0.10")
W_TEXT = Decimal("0.35")
REGION_FACTOR = Decimal("0.6")
MIN_CONFIDENCE = Decimal("0.3")
MAX_PER_NEED = 10
TEXT_FULL_MATCH = 4  # words in common that make a full text match
COMMON_WORD_SHARE = 0.25  # words in more activities than this share are dropped
COMMON_WORD_MIN_ACTIVITIES = 20  # ... when at least this many activities are considered
# The same weights as floats for the fast first pass (the threshold with a little slack).
F_ARTICLE, F_INSTRUMENT, F_SECTOR = float(W_ARTICLE), float(W_INSTRUMENT), float(W_SECTOR)
F_KIND, F_TEXT, F_REGION = float(W_KIND), float(W_TEXT), float(REGION_FACTOR)
F_MIN = float(MIN_CONFIDENCE) - 0.001
SHORTLIST = MAX_PER_NEED + 5  # the best by the fast pass that get their exact figures
NEEDS_PER_BLOCK = 128  # needs scored together: bounds the arrays' memory
LANGUAGES = 6  # the most languages a need has words in
FULL_SCALE = 12  # a multiple of every number of words that makes a full match (1 to 4)

# DAC 5-digit purpose codes (IATI Sector vocabulary 1) consistent with a need.
SECTORS_BY_INSTRUMENT: dict[str, frozenset[str]] = {
    # 15130 legal and judicial development, 15210 security system management and reform,
    # 15132 police, 15134 judicial affairs, 15137 prison system, 16063 narcotics control
    "untoc": frozenset({"15130", "15210", "15132", "15134", "15137", "16063"}),
    # 15190 facilitation of orderly migration, 15136 immigration, 15180 ending violence
    # against women and girls, 15160 human rights
    "tip": frozenset({"15130", "15132", "15134", "15136", "15190", "15180", "15160"}),
    "som": frozenset({"15130", "15132", "15134", "15136", "15190"}),
    # 15240 reintegration and SALW control, 15250 removal of land mines and ERW
    "firearms": frozenset({"15130", "15132", "15210", "15240"}),
}
SECTORS_BY_ARTICLE: dict[tuple[str, int], frozenset[str]] = {
    # Money-laundering: 24010 financial policy and administrative management
    ("untoc", 6): frozenset({"24010"}),
    ("untoc", 7): frozenset({"24010"}),
    # Corruption: 15113 anti-corruption organisations and institutions
    ("untoc", 8): frozenset({"15113"}),
    ("untoc", 9): frozenset({"15113"}),
    # Border measures, documents: 15136 immigration
    ("tip", 11): frozenset({"15136"}),
    ("tip", 12): frozenset({"15136"}),
    ("som", 11): frozenset({"15136"}),
    ("som", 12): frozenset({"15136"}),
}
SECTORS_BY_KIND: dict[str, frozenset[str]] = {
    AssistanceKind.LEGISLATIVE: frozenset({"15130"}),
    AssistanceKind.MODEL_LEGISLATION: frozenset({"15130"}),
    # 15110 public sector policy and administrative management
    AssistanceKind.INSTITUTION_BUILDING: frozenset({"15110"}),
}
# Every sector code a need can be consistent with: one bit each.
_SECTOR_BITS = {
    code: 1 << i
    for i, code in enumerate(
        sorted(
            set().union(
                *SECTORS_BY_INSTRUMENT.values(),
                *SECTORS_BY_ARTICLE.values(),
                *SECTORS_BY_KIND.values(),
            )
        )
    )
}


@dataclass
class ActivityFacts:
    articles: set[int] = field(default_factory=set)
    instruments: set[int] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    sectors: set[str] = field(default_factory=set)
    words: frozenset[str] = frozenset()


class ArticleFacts(NamedTuple):
    instrument_id: int
    instrument_code: str
    number: int


Suggestion = tuple[Decimal, list[dict[str, Any]]]


def need_sectors(icode: str, number: int, kind: str) -> frozenset[str]:
    """The DAC sectors consistent with a need of article ``number`` of instrument ``icode``."""
    return (
        SECTORS_BY_INSTRUMENT.get(icode, frozenset())
        | SECTORS_BY_ARTICLE.get((icode, number), frozenset())
        | SECTORS_BY_KIND.get(kind, frozenset())
    )


def _q3(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@cache
def _confidence(
    article: bool, instrument: bool, sector: bool, kind: bool, best: float, region: bool
) -> Decimal:
    """The exact confidence (3 places) of a candidate with these signals."""
    total = Decimal("0")
    if article:
        total += W_ARTICLE
    elif instrument:
        total += W_INSTRUMENT
    if sector:
        total += W_SECTOR
    if kind:
        total += W_KIND
    if best > 0:
        total += W_TEXT * Decimal(str(round(best, 3)))
    if region:
        total *= REGION_FACTOR
    return _q3(min(total, Decimal("1")))


def _reasons(
    f: ActivityFacts,
    region: str,
    article_id: int,
    article: ArticleFacts,
    kind: str,
    sectors: frozenset[str],
    lang_words: frozenset[str],
    text: float,
) -> list[dict[str, Any]]:
    """The reasons of a candidate; ``lang_words``: the need's words in the language of the best
    text match ``text`` (0: none)."""
    icode = article.instrument_code
    reasons: list[dict[str, Any]] = [
        {"code": "region", "params": {"region": region}}
        if region
        else {"code": "state", "params": {}}
    ]
    if article_id in f.articles:
        label = f"{icode.upper()} {article.number}"
        reasons.append({"code": "article", "params": {"article": label}})
    elif article.instrument_id in f.instruments:
        reasons.append({"code": "instrument", "params": {"instrument": icode.upper()}})
    matched_sectors = sorted(f.sectors & sectors)
    if matched_sectors:
        reasons.append({"code": "sector", "params": {"codes": matched_sectors}})
    if kind in f.kinds:
        reasons.append({"code": "kind", "params": {"kind": kind}})
    if text > 0:
        shared = sorted(lang_words & f.words)
        reasons.append({"code": "text", "params": {"percent": round(text * 100), "words": shared}})
    return reasons


@dataclass
class _Activities:
    """The activities as arrays, one row each in the order of their ids."""

    row: dict[int, int]
    instruments: NDArray[np.int64]  # bit per instrument
    kinds: NDArray[np.int64]  # bit per kind
    sectors: NDArray[np.int64]  # bit per sector of ``_SECTOR_BITS``
    articles: dict[int, NDArray[np.int64]]  # article id → rows naming it
    word_start: NDArray[np.int64]  # a row's words (those of the needs) are
    word_cols: NDArray[np.int64]  # word_cols[word_start[row] : word_start[row + 1]]


@dataclass
class _Words:
    """The needs' words as columns; per (article, kind) the column, language and weight of
    each of the need's words: a share of words in common is count / full (full: 1 to 4),
    compared as the whole number count × 12 / full, so a word weighs 12 / full, and the best
    share is the largest sum over 12 (the same float as count / full: the same rational)."""

    index: dict[str, int]
    of: dict[tuple[int, str], tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]]


def _bits(keys: Iterable[Any], bit: Mapping[Any, int]) -> int:
    out = 0
    for k in keys:
        out |= bit.get(k, 0)
    return out


def _words(per_lang_of: Mapping[tuple[int, str], list[frozenset[str]]]) -> _Words:
    import numpy as np

    index: dict[str, int] = {}
    of = {}
    for key, langs in per_lang_of.items():
        cols: list[int] = []
        lang_of: list[int] = []
        weight: list[float] = []
        for lang, ws in enumerate(langs):
            cols.extend(index.setdefault(w, len(index)) for w in sorted(ws))
            lang_of.extend([lang] * len(ws))
            weight.extend([float(FULL_SCALE // min(len(ws), TEXT_FULL_MATCH))] * len(ws))
        of[key] = (
            np.array(cols, dtype=np.int64),
            np.array(lang_of, dtype=np.int64),
            np.array(weight, dtype=np.float32),
        )
    return _Words(index, of)


def best_links(
    *,
    needs: Iterable[tuple[int, int, int, str]],
    places: Mapping[int, Mapping[int, str]],
    facts: Mapping[int, ActivityFacts],
    articles: Mapping[int, ArticleFacts],
    per_lang_of: Mapping[tuple[int, str], list[frozenset[str]]],
) -> dict[tuple[int, int], Suggestion]:
    """(need id, activity id) → (confidence, reasons) of the best candidates of each need.

    ``needs``: (need id, State id, article id, kind); ``places``: State id → activity id →
    "" (a recipient State) or the IATI region through which the activity reaches the State;
    ``per_lang_of``: (article id, kind) → the need's words in each language (not empty, the
    common words dropped)."""
    import numpy as np

    needs_by_state: dict[int, list[tuple[int, int, str]]] = {}
    for need_id, state_id, article_id, kind in needs:
        if places.get(state_id):
            needs_by_state.setdefault(state_id, []).append((need_id, article_id, kind))
    if not needs_by_state:
        return {}
    vocabulary = _words(per_lang_of)
    instrument_bit = {
        pk: 1 << i for i, pk in enumerate(sorted({a.instrument_id for a in articles.values()}))
    }
    kind_bit = {k: 1 << i for i, k in enumerate(sorted(AssistanceKind.values))}
    acts = _activities(facts, vocabulary.index, instrument_bit, kind_bit)
    local = np.full(len(acts.row), -1, dtype=np.int64)
    out: dict[tuple[int, int], Suggestion] = {}
    for state_id in sorted(needs_by_state):
        place = places[state_id]
        state = _State(place, acts, local, len(vocabulary.index))
        state_needs = needs_by_state[state_id]
        for start in range(0, len(state_needs), NEEDS_PER_BLOCK):
            _score_block(
                out,
                state_needs[start : start + NEEDS_PER_BLOCK],
                state,
                acts,
                facts,
                articles,
                per_lang_of,
                vocabulary,
                instrument_bit,
                kind_bit,
            )
        local[state.rows] = -1
    return out


def _activities(
    facts: Mapping[int, ActivityFacts],
    vocabulary: Mapping[str, int],
    instrument_bit: Mapping[int, int],
    kind_bit: Mapping[str, int],
) -> _Activities:
    import numpy as np

    ids = sorted(facts)
    n = len(ids)
    instruments = np.zeros(n, dtype=np.int64)
    kinds = np.zeros(n, dtype=np.int64)
    sectors = np.zeros(n, dtype=np.int64)
    by_article: dict[int, list[int]] = {}
    word_start = [0]
    word_cols: list[int] = []
    for i, pk in enumerate(ids):
        f = facts[pk]
        if f.instruments:
            instruments[i] = _bits(f.instruments, instrument_bit)
        if f.kinds:
            kinds[i] = _bits(f.kinds, kind_bit)
        if f.sectors:
            sectors[i] = _bits(f.sectors, _SECTOR_BITS)
        for a in f.articles:
            by_article.setdefault(a, []).append(i)
        word_cols.extend(vocabulary[w] for w in f.words if w in vocabulary)
        word_start.append(len(word_cols))
    return _Activities(
        row={pk: i for i, pk in enumerate(ids)},
        instruments=instruments,
        kinds=kinds,
        sectors=sectors,
        articles={a: np.array(rows, dtype=np.int64) for a, rows in by_article.items()},
        word_start=np.array(word_start, dtype=np.int64),
        word_cols=np.array(word_cols, dtype=np.int64),
    )


class _State:
    """The activities of one State: ``local_ids`` in the order of their ids, ``rows`` theirs
    in ``_Activities``, ``local`` (shared, reset after the State) a row's place here, and the
    words of the needs they have as (place, word) pairs."""

    def __init__(
        self, place: Mapping[int, str], acts: _Activities, local: NDArray[np.int64], n_words: int
    ) -> None:
        import numpy as np

        self.place = place
        self.local_ids = sorted(place)
        self.rows = np.array([acts.row[a] for a in self.local_ids], dtype=np.int64)
        self.m = len(self.rows)
        local[self.rows] = np.arange(self.m)
        self.local = local
        self.region = np.array([bool(place[a]) for a in self.local_ids], dtype=bool)
        starts, ends = acts.word_start[self.rows], acts.word_start[self.rows + 1]
        counts = ends - starts
        self.word_places = np.repeat(np.arange(self.m), counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        self.word_cols = acts.word_cols[np.repeat(starts, counts) + offsets]
        self.present = np.zeros(max(n_words, 1), dtype=bool)
        self.present[self.word_cols] = True


def _score_block(
    out: dict[tuple[int, int], Suggestion],
    block: Sequence[tuple[int, int, str]],
    state: _State,
    acts: _Activities,
    facts: Mapping[int, ActivityFacts],
    articles: Mapping[int, ArticleFacts],
    per_lang_of: Mapping[tuple[int, str], list[frozenset[str]]],
    vocabulary: _Words,
    instrument_bit: Mapping[int, int],
    kind_bit: Mapping[str, int],
) -> None:
    """Score the activities of one State against a block of its needs; keep the best."""
    import numpy as np

    m, n, rows, local = state.m, len(block), state.rows, state.local

    # Article, instrument, sector and kind signals: activities × needs.
    art = np.zeros((m, n), dtype=bool)
    for j, (_need, article_id, _kind) in enumerate(block):
        named = acts.articles.get(article_id)
        if named is not None:
            hit = local[named]
            art[hit[hit >= 0], j] = True
    ins_bits = np.array([instrument_bit[articles[a].instrument_id] for _n, a, _k in block])
    kind_bits = np.array([kind_bit.get(k, 0) for _n, _a, k in block], dtype=np.int64)
    sector_sets = [
        need_sectors(articles[a].instrument_code, articles[a].number, k) for _n, a, k in block
    ]
    sector_bits = np.array([_bits(s, _SECTOR_BITS) for s in sector_sets], dtype=np.int64)
    ins = (acts.instruments[rows][:, None] & ins_bits[None, :]) != 0
    kind = (acts.kinds[rows][:, None] & kind_bits[None, :]) != 0
    sec = (acts.sectors[rows][:, None] & sector_bits[None, :]) != 0

    # Words in common: activities × (language, need), as weighed sums (see ``_Words``), over
    # the words both the activities and these needs have.
    parts = [vocabulary.of[(a, k)] for _n, a, k in block]
    w_cols = np.concatenate([p[0] for p in parts])
    w_lang = np.concatenate([p[1] for p in parts])
    w_weight = np.concatenate([p[2] for p in parts])
    w_need = np.repeat(np.arange(n), [len(p[0]) for p in parts])
    keep = state.present[w_cols]
    used, w_col = np.unique(w_cols[keep], return_inverse=True)
    needs_words = np.zeros((len(used), LANGUAGES * n), dtype=np.float32)
    needs_words[w_col, w_lang[keep] * n + w_need[keep]] = w_weight[keep]
    column = np.full(len(state.present), -1, dtype=np.int64)
    column[used] = np.arange(len(used))
    incidence = np.zeros((m, len(used)), dtype=np.float32)
    has = column[state.word_cols]
    incidence[state.word_places[has >= 0], has[has >= 0]] = 1.0
    scaled = incidence @ needs_words
    top = scaled[:, :n].copy()
    for lang in range(1, LANGUAGES):
        np.maximum(top, scaled[:, lang * n : (lang + 1) * n], out=top)
    best = top.astype(np.float64) / FULL_SCALE
    text = best > 0

    score = np.where(art, F_ARTICLE, np.where(ins, F_INSTRUMENT, 0.0))
    score = score + np.where(sec, F_SECTOR, 0.0)
    score = score + np.where(kind, F_KIND, 0.0)
    score = score + F_TEXT * np.minimum(1.0, best)
    score = np.where(state.region[:, None], score * F_REGION, score)
    qualifies = (art | (ins & kind) | text) & (score >= F_MIN)

    # The shortlist of each need: the best scores, ties by the lowest activity id.
    fast = np.where(qualifies, score, -np.inf)
    if m > SHORTLIST:
        cut = -np.partition(-fast, SHORTLIST - 1, axis=0)[SHORTLIST - 1, :]
    else:
        cut = np.full(n, -np.inf)
    r, c = np.nonzero(qualifies & (fast >= cut[None, :]))
    if not len(c):
        return
    order = np.lexsort((r, -fast[r, c], c))
    r, c = r[order], c[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    rank = np.arange(len(c)) - np.repeat(starts, np.diff(np.r_[starts, len(c)]))
    r, c = r[rank < SHORTLIST], c[rank < SHORTLIST]
    # Their exact confidences; the best of those that reach the minimum, with their reasons.
    explained: dict[int, list[tuple[Decimal, int, int, float]]] = {}
    # The language of each one's best text match: the first of the best shares.
    by_lang = scaled.reshape(m, LANGUAGES, n)[r, :, c]
    lang = np.minimum(FULL_SCALE, by_lang).argmax(axis=1)
    for j, i, lang_index, *signals in zip(
        c.tolist(),
        r.tolist(),
        lang.tolist(),
        art[r, c].tolist(),
        ins[r, c].tolist(),
        sec[r, c].tolist(),
        kind[r, c].tolist(),
        np.minimum(1.0, best[r, c]).tolist(),
        state.region[r].tolist(),
        strict=True,
    ):
        total = _confidence(*signals)
        if total >= MIN_CONFIDENCE:
            explained.setdefault(j, []).append((total, state.local_ids[i], lang_index, signals[4]))
    for j, found in explained.items():
        need_id, article_id, k = block[j]
        article, sectors = articles[article_id], sector_sets[j]
        per_lang = per_lang_of[(article_id, k)]
        found.sort(key=lambda t: (-t[0], t[1]))
        for total, a, lang_index, share in found[:MAX_PER_NEED]:
            shared = per_lang[lang_index] if share > 0 else frozenset()
            region = state.place[a]
            reasons = _reasons(facts[a], region, article_id, article, k, sectors, shared, share)
            out[(need_id, a)] = (total, reasons)
