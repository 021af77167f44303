"""Multi-year work programmes and their priority themes.

A programme approved by the Conference lists priority themes, each expressed by up to four
dimensions — an instrument, a set of articles, a kind of assistance, a regional group — and a
weight. A theme *matches* a need when every dimension it sets matches the need (an empty
dimension matches everything). A need's programme weight is the largest weight of the themes
that match it (``theme_weight``), taken from the themes of every active programme
(``active_themes``).

``demo_programme`` ships the priority areas of the working group's intersessional meeting of
3–5 October 2007 (CTOC/COP/WG.2/2007/2) as an illustrative programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import pgettext

from infobase.core.i18n import (
    FALLBACK_SUFFIX,
    FIELD_LANGUAGES,
    Translated,
    isolated,
    translated_text,
)
from infobase.needs.models import PriorityTheme, ScoringWeights, WorkProgramme
from infobase.reference.models import Article, Instrument


class Matchable(Protocol):
    """What a theme is matched against (``scoring.NeedFacts`` has these)."""

    @property
    def instrument_code(self) -> str: ...
    @property
    def article_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def regional_group(self) -> str: ...


@dataclass(frozen=True)
class ThemeSpec:
    """A priority theme as plain data (no ORM): empty dimensions match everything."""

    title: str  # in English: it orders themes of the same weight in every language
    weight: Decimal
    instrument_code: str = ""
    article_ids: frozenset[int] = frozenset()
    kind: str = ""
    regional_group: str = ""
    # The title in the other languages it is written in: (field suffix, title) pairs.
    translations: tuple[tuple[str, str], ...] = ()

    def matches(self, need: Matchable) -> bool:
        return (
            (not self.instrument_code or self.instrument_code == need.instrument_code)
            and (not self.article_ids or need.article_id in self.article_ids)
            and (not self.kind or self.kind == need.kind)
            and (not self.regional_group or self.regional_group == need.regional_group)
        )

    def needs_q(self) -> Q:
        """``matches`` as a filter of ``Need`` rows (the State's regional group, the article's
        instrument): the register narrowed to a theme's needs."""
        q = Q()
        if self.instrument_code:
            q &= Q(article__instrument__code=self.instrument_code)
        if self.article_ids:
            q &= Q(article_id__in=sorted(self.article_ids))
        if self.kind:
            q &= Q(kind=self.kind)
        if self.regional_group:
            q &= Q(state__regional_group=self.regional_group)
        return q

    def title_in(self, language_code: str | None = None) -> Translated:
        """The title in the active (or a given) language, else in English, marked as such."""
        texts = {**dict(self.translations), FALLBACK_SUFFIX: self.title}
        return translated_text(lambda suffix: texts.get(suffix, ""), language_code)


def theme_weight(
    need_facts: Matchable, themes: list[ThemeSpec]
) -> tuple[Decimal, tuple[ThemeSpec, ...]]:
    """The largest weight of the themes matching the need (0 when none does), and the
    matching themes, heaviest first (then by their English title, in every language)."""
    matching = sorted(
        (t for t in themes if t.matches(need_facts)), key=lambda t: (-t.weight, t.title)
    )
    if not matching:
        return Decimal("0"), ()
    return matching[0].weight, tuple(matching)


def themes_separator() -> str:
    """What separates themes' titles in a sentence, as the active language writes it (titles
    may hold commas): «؛ » in Arabic, «；» in Chinese."""
    return pgettext("between the titles of themes", "; ")


def title_in_text(title: Translated) -> str:
    """A title to put in a sentence: an English one (a fallback) set apart in a right-to-left
    sentence, so that its words keep their order."""
    return isolated(title.text) if title.is_fallback else title.text


def title_translations(theme: PriorityTheme) -> tuple[tuple[str, str], ...]:
    """A theme's title in the languages other than English that it is written in (by field
    suffix, in alphabetical order: as the score table stores them)."""
    return tuple(
        (suffix, text)
        for suffix in sorted(FIELD_LANGUAGES)
        if suffix != FALLBACK_SUFFIX and (text := getattr(theme, f"title_{suffix}"))
    )


def themes_of(programmes: list[WorkProgramme]) -> list[ThemeSpec]:
    """The themes of the given programmes as ``ThemeSpec`` (two queries)."""
    return _specs(PriorityTheme.objects.filter(programme__in=programmes))


def _specs(themes: QuerySet[PriorityTheme]) -> list[ThemeSpec]:
    themes = (
        themes.select_related("instrument")
        .prefetch_related("articles")
        .order_by("programme_id", "-weight", "title_en", "pk")
    )
    return [theme_spec(t) for t in themes]


def theme_spec(theme: PriorityTheme) -> ThemeSpec:
    """A theme as ``ThemeSpec`` (its instrument and articles loaded with it, or one query
    each)."""
    return ThemeSpec(
        title=theme.title_en,
        weight=theme.weight,
        instrument_code=theme.instrument.code if theme.instrument else "",
        article_ids=frozenset(a.pk for a in theme.articles.all()),
        kind=theme.kind,
        regional_group=theme.regional_group,
        translations=title_translations(theme),
    )


def active_themes() -> list[ThemeSpec]:
    """The themes of every programme that guides the current priorities."""
    return themes_of(list(WorkProgramme.objects.filter(is_active=True)))


def active_theme(pk: int) -> ThemeSpec | None:
    """The theme ``pk`` if a programme that guides the current priorities has it."""
    themes = PriorityTheme.objects.filter(pk=pk, programme__is_active=True)
    return next(iter(_specs(themes)), None)


# --- The demo programme -----------------------------------------------------------------
# Texts by field suffix. The English name and titles are the secretariat's paper's; the other
# languages are this project's translations (illustrative, like the programme), not the
# paper's official versions.

DEMO_PROGRAMME_NAMES = {
    "en": "Priority areas identified at the intersessional meeting of the working group, "
    "3–5 October 2007 (CTOC/COP/WG.2/2007/2)",
    "ar": "المجالات ذات الأولوية التي حُدِّدت في اجتماع الفريق العامل المعقود بين الدورتين، "
    "3–5 تشرين الأول/أكتوبر 2007 (CTOC/COP/WG.2/2007/2)",
    "fr": "Domaines prioritaires recensés à la réunion intersessions du groupe de travail, "
    "3-5 octobre 2007 (CTOC/COP/WG.2/2007/2)",
    "es": "Esferas prioritarias determinadas en la reunión entre períodos de sesiones del grupo "
    "de trabajo, 3 a 5 de octubre de 2007 (CTOC/COP/WG.2/2007/2)",
    "ru": "Приоритетные области, определенные на межсессионном совещании рабочей группы "
    "3–5 октября 2007 года (CTOC/COP/WG.2/2007/2)",
    "zh": "工作组闭会期间会议（2007年10月3日至5日）确定的优先领域（CTOC/COP/WG.2/2007/2）",
}
DEMO_PROGRAMME_NAME = DEMO_PROGRAMME_NAMES["en"]
DEMO_DESCRIPTIONS = {
    "en": "Illustrative: the priority areas proposed in the secretariat's paper "
    "CTOC/COP/WG.2/2007/2 for the intersessional meeting of 3–5 October 2007, mapped to "
    "instruments, articles and kinds of assistance. The weights are invented for the "
    "demonstration.",
    "ar": "توضيحي: المجالات ذات الأولوية المقترحة في ورقة الأمانة CTOC/COP/WG.2/2007/2 "
    "لاجتماع ما بين الدورتين المعقود في 3–5 تشرين الأول/أكتوبر 2007، مربوطةً بالصكوك "
    "والمواد وأنواع المساعدة. أمّا الأوزان فمختلَقة لأغراض العرض.",
    "fr": "Illustratif\u00a0: les domaines prioritaires proposés dans le document du "
    "secrétariat CTOC/COP/WG.2/2007/2 pour la réunion intersessions des 3-5 octobre 2007, "
    "rapportés aux instruments, aux articles et aux types d'assistance. Les pondérations sont "
    "inventées pour la démonstration.",
    "es": "Ilustrativo: las esferas prioritarias propuestas en el documento de la secretaría "
    "CTOC/COP/WG.2/2007/2 para la reunión entre períodos de sesiones del 3 al 5 de octubre de "
    "2007, vinculadas a instrumentos, artículos y tipos de asistencia. Las ponderaciones se "
    "han inventado para la demostración.",
    "ru": "Для иллюстрации: приоритетные области, предложенные в документе секретариата "
    "CTOC/COP/WG.2/2007/2 для межсессионного совещания 3–5 октября 2007 года, соотнесенные с "
    "документами, статьями и видами помощи. Весовые коэффициенты придуманы для демонстрации.",
    "zh": "示例：秘书处文件CTOC/COP/WG.2/2007/2为2007年10月3日至5日闭会期间会议提出的优先"
    "领域，已对应到文书、条款和援助类型。权重系为演示而虚构。",
}
DEMO_SESSION = "Working group, intersessional meeting 2007"
DEMO_REASON = "Illustrative demo data"


@dataclass(frozen=True)
class DemoTheme:
    titles: dict[str, str]  # by field suffix
    weight: str
    instrument: str = ""
    articles: tuple[int, ...] = ()  # article numbers of ``instrument`` (the Convention if unset)
    kind: str = ""


# The six priority areas of the secretariat's paper, mapped to the register's dimensions. The
# weights are illustrative (the paper does not weigh the areas). Choices made:
# - gathering information on implementation: article 32 (the Conference's mechanism to review
#   implementation, to which States report), every kind of assistance;
# - strengthening criminal justice responses: the Convention's criminalization articles (5, 6,
#   8, 23) and prosecution, adjudication and sanctions (11);
# - central authorities for mutual legal assistance and extradition: articles 16 and 18;
# - capacity to collect data on organized crime: article 28;
# - the Protocols: one theme per Protocol (a theme has a single instrument), all articles;
# - mobilization of resources: article 30 (implementation through economic development and
#   technical assistance, including voluntary contributions).
DEMO_THEMES = (
    DemoTheme(
        {
            "en": "Strengthening criminal justice responses",
            "ar": "تعزيز تدابير التصدي في مجال العدالة الجنائية",
            "fr": "Renforcer les réponses de la justice pénale",
            "es": "Fortalecimiento de las respuestas de la justicia penal",
            "ru": "Укрепление мер реагирования системы уголовного правосудия",
            "zh": "加强刑事司法对策",
        },
        "3",
        "untoc",
        (5, 6, 8, 11, 23),
    ),
    DemoTheme(
        {
            "en": "Central authorities for mutual legal assistance and extradition",
            "ar": "السلطات المركزية المعنية بتبادل المساعدة القانونية وتسليم المطلوبين",
            "fr": "Autorités centrales chargées de l'entraide judiciaire et de l'extradition",
            "es": "Autoridades centrales de asistencia judicial recíproca y extradición",
            "ru": "Центральные органы по вопросам взаимной правовой помощи и выдачи",
            "zh": "负责司法协助和引渡的中央机关",
        },
        "3",
        "untoc",
        (16, 18),
    ),
    DemoTheme(
        {
            "en": "Gathering information on implementation",
            "ar": "جمع المعلومات عن التنفيذ",
            "fr": "Collecte d'informations sur l'application",
            "es": "Reunión de información sobre la aplicación",
            "ru": "Сбор информации об осуществлении",
            "zh": "收集关于实施情况的资料",
        },
        "2",
        "untoc",
        (32,),
    ),
    DemoTheme(
        {
            "en": "Capacity to collect data on organized crime",
            "ar": "القدرة على جمع البيانات عن الجريمة المنظَّمة",
            "fr": "Capacité de collecte de données sur la criminalité organisée",
            "es": "Capacidad de reunir datos sobre la delincuencia organizada",
            "ru": "Возможности для сбора данных об организованной преступности",
            "zh": "收集有组织犯罪数据的能力",
        },
        "2",
        "untoc",
        (28,),
    ),
    DemoTheme(
        {
            "en": "The Protocols: trafficking in persons",
            "ar": "البروتوكولات: الاتجار بالأشخاص",
            "fr": "Les Protocoles\u00a0: traite des personnes",
            "es": "Los Protocolos: trata de personas",
            "ru": "Протоколы: торговля людьми",
            "zh": "各项议定书：贩运人口",
        },
        "1.5",
        "tip",
    ),
    DemoTheme(
        {
            "en": "The Protocols: smuggling of migrants",
            "ar": "البروتوكولات: تهريب المهاجرين",
            "fr": "Les Protocoles\u00a0: trafic illicite de migrants",
            "es": "Los Protocolos: tráfico ilícito de migrantes",
            "ru": "Протоколы: незаконный ввоз мигрантов",
            "zh": "各项议定书：偷运移民",
        },
        "1.5",
        "som",
    ),
    DemoTheme(
        {
            "en": "The Protocols: firearms",
            "ar": "البروتوكولات: الأسلحة النارية",
            "fr": "Les Protocoles\u00a0: armes à feu",
            "es": "Los Protocolos: armas de fuego",
            "ru": "Протоколы: огнестрельное оружие",
            "zh": "各项议定书：枪支",
        },
        "1.5",
        "firearms",
    ),
    DemoTheme(
        {
            "en": "Mobilization of resources",
            "ar": "حشد الموارد",
            "fr": "Mobilisation de ressources",
            "es": "Movilización de recursos",
            "ru": "Мобилизация ресурсов",
            "zh": "调动资源",
        },
        "1",
        "untoc",
        (30,),
    ),
)


def _fill_blanks(record: WorkProgramme | PriorityTheme, field: str, texts: dict[str, str]) -> bool:
    """Write the texts of the languages ``record`` has none in; True when one was written."""
    blanks = {s: t for s, t in texts.items() if not getattr(record, f"{field}_{s}")}
    for suffix, text in blanks.items():
        setattr(record, f"{field}_{suffix}", text)
    return bool(blanks)


@transaction.atomic
def demo_programme() -> WorkProgramme:
    """Create (once) the demo programme, its themes, and the active default scoring weights.

    Running it again changes nothing, except that a theme deleted by hand is created again and
    a language a demo text is missing in (a demo made before it had translations) is filled.
    """
    programme = WorkProgramme.objects.filter(name_en=DEMO_PROGRAMME_NAME, is_demo=True).first()
    if programme is None:
        programme = WorkProgramme(
            approved_at="Open-ended interim working group on technical assistance, "
            "intersessional meeting (Vienna)",
            approved_on=date(2007, 10, 5),
            starts=2007,
            ends=2008,
            is_active=True,
            is_demo=True,
        )
    filled = _fill_blanks(programme, "name", DEMO_PROGRAMME_NAMES)
    if _fill_blanks(programme, "description", DEMO_DESCRIPTIONS) or filled:
        programme._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        programme.save()
    instruments = {i.code: i for i in Instrument.objects.all()}
    articles = {
        (a.instrument.code, a.number): a for a in Article.objects.select_related("instrument")
    }
    existing = {t.title_en: t for t in programme.themes.all()}
    for spec in DEMO_THEMES:
        theme = existing.get(spec.titles["en"])
        if theme is not None:
            if _fill_blanks(theme, "title", spec.titles):
                theme._change_reason = DEMO_REASON  # type: ignore[attr-defined]
                theme.save()
            continue
        theme = PriorityTheme(
            programme=programme,
            instrument=instruments[spec.instrument] if spec.instrument else None,
            kind=spec.kind,
            weight=Decimal(spec.weight),
        )
        _fill_blanks(theme, "title", spec.titles)
        theme._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        theme.save()
        code = spec.instrument or "untoc"
        theme.articles.set([articles[(code, n)] for n in spec.articles])
    if not ScoringWeights.objects.filter(session=DEMO_SESSION).exists():
        weights = ScoringWeights(session=DEMO_SESSION, is_active=True)
        weights._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        weights.save()
    return programme
