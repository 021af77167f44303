"""Which activities concern our treaties, decided from the raw <iati-activity> element before
anything is built, reading what publishers write:

- sectors: OECD DAC 5-digit codes of ours; DAC 3-digit categories and SDG goals, targets and
  indicators used as sector vocabularies (7, 8, 9); the narratives of the publisher's own
  sector vocabularies (98, 99), matched on keywords;
- tags: SDG targets (TagVocabulary 3, e.g. 16.4 organized crime and illicit flows, 16.2 and 5.2
  trafficking, 8.7 forced labour, 10.7 orderly migration) and the narratives of every tag;
- policy markers of ours (configurable) and the narratives of the publisher's own markers;
- humanitarian scope narratives;
- titles and descriptions of every type, in every language, matched on keywords in several
  languages (folded: case, accents and Arabic spelling variants do not matter).

Each decision comes with its reasons, kept or left out, for the import's report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from infobase.core.text import fold

DEFAULT_SECTORS = frozenset(
    {"15130", "15132", "15134", "15136", "15190", "15210", "15240", "16063"}
)
# SDG targets (tags of vocabulary 3, sectors of vocabulary 8; indicators such as 16.4.1 count
# for their target): 5.2 and 16.2 trafficking and exploitation, 8.7 forced labour and human
# trafficking, 10.7 orderly migration, 16.3 rule of law and access to justice, 16.4 illicit
# financial and arms flows and organized crime, 16.5 corruption, 16.a institutions against
# crime.
DEFAULT_SDG_TARGETS = frozenset({"5.2", "8.7", "10.7", "16.2", "16.3", "16.4", "16.5", "16.a"})
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "organized crime",
        "organised crime",
        "trafficking in persons",
        "trafficking of persons",
        "trafficking in human beings",
        "human trafficking",
        "anti-trafficking",
        "counter-trafficking",
        "smuggling of migrants",
        "migrant smuggling",
        "firearms",
        "money laundering",
        "anti-corruption",
        "mutual legal assistance",
        "extradition",
        "criminal justice",
        "UNTOC",
    ),
    "fr": (
        "criminalité organisée",
        "traite des personnes",
        "traite des êtres humains",
        "trafic de migrants",
        "armes à feu",
        "blanchiment",
    ),
    "es": (
        "delincuencia organizada",
        "crimen organizado",
        "trata de personas",
        "tráfico de migrantes",
        "armas de fuego",
        "lavado de activos",
    ),
    "ar": (
        "الجريمة المنظمة",
        "الاتجار بالأشخاص",
        "تهريب المهاجرين",
        "الأسلحة النارية",
        "غسل الأموال",
    ),
    "ru": (
        "организованная преступность",
        "торговля людьми",
        "незаконный ввоз мигрантов",
        "огнестрельное оружие",
        "отмывание денег",
    ),
    "zh": ("有组织犯罪", "贩运人口", "偷运移民", "枪支", "洗钱"),
    "pt": ("crime organizado", "tráfico de pessoas", "contrabando de migrantes", "armas de fogo"),
    "de": ("organisierte Kriminalität", "Menschenhandel", "Schleusung", "Geldwäsche"),
    "nl": ("georganiseerde misdaad", "mensenhandel", "mensensmokkel", "witwassen"),
    "id": ("kejahatan terorganisir", "perdagangan orang", "penyelundupan migran"),
}

_SEPARATORS = re.compile(r"[\s\-_/]+")
_LATIN_WORD = re.compile(r"\w", re.ASCII)


@lru_cache(maxsize=8192)
def match_key(text: str) -> str:
    """The folded form keywords and texts are compared in (separators made spaces). Memoised:
    publishers repeat titles and boilerplate descriptions across their activities."""
    # ``core.text.fold`` of ASCII text is its lower case with spaces collapsed (and separators
    # include spaces); the short path avoids its per-character Unicode work.
    folded = text.lower() if text.isascii() else fold(text)
    return _SEPARATORS.sub(" ", folded).strip()


# Folded keyword → (instrument code, UNTOC/protocol article numbers). Only where the keyword
# clearly points to one instrument; "criminal justice" points to none.
KEYWORD_TOPICS: dict[str, tuple[str, tuple[int, ...]]] = {
    match_key(k): topic
    for keys, topic in (
        (("organized crime", "organised crime", "untoc"), ("untoc", ())),
        (("criminalité organisée", "delincuencia organizada", "الجريمة المنظمة"), ("untoc", ())),
        (("организованная преступность", "有组织犯罪", "crimen organizado"), ("untoc", ())),
        (
            ("crime organizado", "organisierte Kriminalität", "georganiseerde misdaad"),
            ("untoc", ()),
        ),
        (("kejahatan terorganisir",), ("untoc", ())),
        (("trafficking in persons", "human trafficking", "traite des personnes"), ("tip", ())),
        (("trata de personas", "الاتجار بالأشخاص", "торговля людьми", "贩运人口"), ("tip", ())),
        (
            ("trafficking of persons", "trafficking in human beings", "anti-trafficking"),
            ("tip", ()),
        ),
        (("counter-trafficking", "traite des êtres humains", "tráfico de pessoas"), ("tip", ())),
        (("Menschenhandel", "mensenhandel", "perdagangan orang"), ("tip", ())),
        (("smuggling of migrants", "migrant smuggling", "trafic de migrants"), ("som", ())),
        (("tráfico de migrantes", "تهريب المهاجرين", "незаконный ввоз мигрантов"), ("som", ())),
        (("偷运移民", "contrabando de migrantes", "Schleusung", "mensensmokkel"), ("som", ())),
        (("penyelundupan migran",), ("som", ())),
        (("firearms", "armes à feu", "armas de fuego", "الأسلحة النارية"), ("firearms", ())),
        (("огнестрельное оружие", "枪支", "armas de fogo"), ("firearms", ())),
        (("money laundering", "blanchiment", "lavado de activos"), ("untoc", (6, 7))),
        (("غسل الأموال", "отмывание денег", "洗钱", "Geldwäsche", "witwassen"), ("untoc", (6, 7))),
        (("anti-corruption",), ("untoc", (8, 9))),
        (("extradition",), ("untoc", (16,))),
        (("mutual legal assistance",), ("untoc", (18,))),
    )
    for k in keys
}


@dataclass
class Signals:
    """What an activity says about itself, read from the raw element (no object built)."""

    sectors: list[tuple[str, str]] = field(default_factory=list)  # (vocabulary, code)
    tags: list[tuple[str, str]] = field(default_factory=list)  # (vocabulary, code)
    markers: list[tuple[str, str, str]] = field(default_factory=list)  # (vocab, code, significance)
    # (where, text): where is "title", "description", "sector", "tag", "policy-marker",
    # "humanitarian-scope".
    texts: list[tuple[str, str]] = field(default_factory=list)


def read_signals(el: Any) -> Signals:
    """The relevance signals of one <iati-activity> element, activity and transaction level."""
    signals = Signals()
    texts = signals.texts
    for where in ("title", "description"):
        for node in el.iterchildren(where):
            _add_texts(texts, where, node)
    for sector in el.iter("sector"):
        signals.sectors.append(
            ((sector.get("vocabulary") or "1").strip(), (sector.get("code") or "").strip())
        )
        _add_texts(texts, "sector", sector)
    for tag in el.iterchildren("tag"):
        signals.tags.append(
            ((tag.get("vocabulary") or "").strip(), (tag.get("code") or "").strip())
        )
        _add_texts(texts, "tag", tag)
    for marker in el.iterchildren("policy-marker"):
        signals.markers.append(
            (
                (marker.get("vocabulary") or "1").strip(),
                (marker.get("code") or "").strip(),
                (marker.get("significance") or "").strip(),
            )
        )
        _add_texts(texts, "policy-marker", marker)
    for scope in el.iterchildren("humanitarian-scope"):
        _add_texts(texts, "humanitarian-scope", scope)
    return signals


def _add_texts(texts: list[tuple[str, str]], where: str, node: Any) -> None:
    found = False
    for narrative in node.iterchildren("narrative"):
        # A narrative is plain text; markup inside one (rare) is read through.
        text = (narrative.text if not len(narrative) else "".join(narrative.itertext())) or ""
        text = text.strip()
        if text:
            texts.append((where, text))
            found = True
    if not found and where in ("title", "description") and node.text and node.text.strip():
        texts.append((where, node.text.strip()))  # IATI 1.0x style text in the element


def _target_of(code: str) -> str:
    """SDG indicator "16.4.1" → target "16.4"; a target is itself."""
    parts = code.strip().lower().split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else ""


@dataclass(frozen=True)
class Decision:
    kept: bool
    reasons: list[str]
    keywords: list[str]  # folded keywords found (for the instruments and themes they point to)


@dataclass(frozen=True)
class RelevanceFilter:
    """Which activities concern our treaties (see the module docstring).

    The defaults can be replaced in settings: ``INFOBASE_IATI_RELEVANCE = {"sectors": [...],
    "sector_categories": [...], "sdg_targets": [...], "policy_markers": [...], "keywords":
    {"en": [...], ...}}`` (read by :meth:`from_settings`). ``policy_markers`` are OECD DAC
    PolicyMarker codes kept when marked significant or principal (none by default: no DAC
    marker is about crime)."""

    sectors: frozenset[str] | set[str] = DEFAULT_SECTORS
    keywords: Mapping[str, Sequence[str]] = field(default_factory=lambda: dict(DEFAULT_KEYWORDS))
    sdg_targets: frozenset[str] | set[str] = DEFAULT_SDG_TARGETS
    sector_categories: frozenset[str] | set[str] = frozenset()
    policy_markers: frozenset[str] | set[str] = frozenset()

    @classmethod
    def from_settings(cls) -> RelevanceFilter:
        conf = getattr(settings, "INFOBASE_IATI_RELEVANCE", None) or {}
        return cls(
            sectors=frozenset(conf.get("sectors", DEFAULT_SECTORS)),
            keywords=conf.get("keywords", DEFAULT_KEYWORDS),
            sdg_targets=frozenset(t.lower() for t in conf.get("sdg_targets", DEFAULT_SDG_TARGETS)),
            sector_categories=frozenset(conf.get("sector_categories", ())),
            policy_markers=frozenset(conf.get("policy_markers", ())),
        )

    def _patterns(self) -> tuple[dict[str, str], list[re.Pattern[str]]]:
        """(folded key → keyword as given, [patterns]). Latin-script keywords must start a word
        ("firearms" not inside another word); Arabic and Chinese ones match anywhere, since
        Arabic attaches "و", "ب", "ال" … to the word and Chinese has no spaces. All keywords go
        into two alternations, so each text is scanned twice whatever the number of keywords."""
        cached: tuple[dict[str, str], list[re.Pattern[str]]] | None = self.__dict__.get("_compiled")
        if cached is not None:
            return cached
        given: dict[str, str] = {}
        latin: list[str] = []
        other: list[str] = []
        for words in self.keywords.values():
            for word in words:
                key = match_key(word)
                if not key or key in given:
                    continue
                given[key] = word
                (latin if _LATIN_WORD.match(key[0]) else other).append(key)
        patterns = []
        for keys, prefix in ((latin, r"(?<!\w)"), (other, "")):
            if keys:
                ordered = sorted(keys, key=len, reverse=True)
                patterns.append(re.compile(prefix + "(" + "|".join(map(re.escape, ordered)) + ")"))
        compiled = (given, patterns)
        object.__setattr__(self, "_compiled", compiled)
        return compiled

    def decide_element(
        self, el: Any, sector_name: Any = None, *, language: str | None = None
    ) -> Decision:
        """Decide from a raw <iati-activity> element (``language``: the active one, when the
        caller knows it)."""
        signals = read_signals(el)
        return self.decide_signals(signals, sector_name=sector_name, language=language)

    def decide(
        self,
        *,
        sectors: Iterable[tuple[str, str]],
        texts: Iterable[tuple[str, str]],
        sector_name: Any = None,
    ) -> tuple[bool, list[str], list[str]]:
        """(kept, reasons, folded keywords found) from sectors (vocabulary, code) and texts
        (where, text)."""
        decision = self.decide_signals(
            Signals(sectors=list(sectors), texts=list(texts)), sector_name=sector_name
        )
        return decision.kept, decision.reasons, decision.keywords

    def decide_signals(
        self, signals: Signals, *, sector_name: Any = None, language: str | None = None
    ) -> Decision:
        reasons: list[str] = []
        seen: set[tuple[str, str]] = set()
        for vocabulary, code in signals.sectors:
            if (vocabulary, code) in seen:
                continue
            seen.add((vocabulary, code))
            if vocabulary == "1" and code in self.sectors:
                name = sector_name(code) if sector_name else ""
                if name:
                    reasons.append(
                        _("DAC sector %(code)s (%(name)s)") % {"code": code, "name": name}
                    )
                else:
                    reasons.append(_("DAC sector %(code)s") % {"code": code})
            elif vocabulary == "2" and code in self.sector_categories:
                reasons.append(_("DAC sector category %(code)s") % {"code": code})
            elif vocabulary in ("8", "9") and _target_of(code) in self.sdg_targets:
                reasons.append(_("SDG target %(code)s given as a sector") % {"code": code})
        for vocabulary, code in signals.tags:
            # TagVocabulary 3: SDG targets.
            if (
                vocabulary == "3"
                and _target_of(code) in self.sdg_targets
                and ("tag", code) not in seen
            ):
                seen.add(("tag", code))
                reasons.append(_("SDG target %(code)s in the tags") % {"code": code})
        for vocabulary, code, significance in signals.markers:
            if vocabulary == "1" and code in self.policy_markers and significance not in ("", "0"):
                reasons.append(
                    _("policy marker %(code)s (significance %(significance)s)")
                    % {"code": code, "significance": significance}
                )
        found = self._keywords(signals.texts, reasons)
        if reasons:
            return Decision(True, reasons, found)
        if language is None:
            language = get_language() or ""
        return Decision(False, [_no_match(language)], found)

    def _keywords(self, texts: Sequence[tuple[str, str]], reasons: list[str]) -> list[str]:
        given, patterns = self._patterns()
        # The texts of one kind (titles, descriptions …) are scanned together, one per line: a
        # keyword never spans two of them, since folded keywords hold no line break.
        grouped: dict[str, list[str]] = {}
        for where, text in texts:
            grouped.setdefault(where, []).append(match_key(text))
        found: list[str] = []
        for where, folded in grouped.items():
            joined = "\n".join(folded)
            for pattern in patterns:
                for match in pattern.finditer(joined):
                    key = match.group(1)
                    if key in found:
                        continue
                    found.append(key)
                    reasons.append(_keyword_reason(given.get(key, key), where))
        return found


@lru_cache(maxsize=16)
def _no_match(language: str) -> str:
    """Why an activity was left out (the same words for most activities of a file: translated
    once per language)."""
    return _(
        "no sector, SDG target, policy marker or keyword of the relevance filter "
        "(titles, descriptions, sectors, tags, policy markers and humanitarian scope "
        "read in every language)"
    )


def _keyword_reason(word: str, where: str) -> str:
    if where == "title":
        return _("keyword “%(word)s” in the title") % {"word": word}
    if where == "description":
        return _("keyword “%(word)s” in the description") % {"word": word}
    if where == "sector":
        return _("keyword “%(word)s” in a sector's name") % {"word": word}
    if where == "tag":
        return _("keyword “%(word)s” in a tag") % {"word": word}
    if where == "policy-marker":
        return _("keyword “%(word)s” in a policy marker") % {"word": word}
    return _("keyword “%(word)s” in the humanitarian scope") % {"word": word}
