"""Lessons learned from assistance already delivered (decision 2/6, paragraph (b)).

Writes (``lesson_save``), the multilingual search (``lesson_search``) and the lessons that bear
on a need of the register (``related_lessons``). Search goes through
``infobase.core.search.search`` on the lesson's key (``LessonLearned.search_parts``: its own
texts plus the names of its States and the titles of its articles in the six languages), so
that "مصر", "Egypte" or "Egipto" all find lessons about Egypt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.history import one_version
from infobase.core.i18n import list_separator
from infobase.core.search import search
from infobase.core.text import fold, strip_arabic_article
from infobase.needs.models import DAC_CRITERIA, LessonLearned, Need, Rating
from infobase.needs.selectors import visible_evidence_q
from infobase.reference.models import Article, AssistanceKind, State

# Fields of a lesson that ``lesson_save`` accepts in ``data`` (States, articles and kinds of
# assistance are separate arguments).
TEXT_FIELDS = ("title", "activity", "what_worked", "what_did_not", "recommendations")
REQUIRED_FIELDS = ("title", "activity")
DATA_FIELDS = frozenset(
    {*TEXT_FIELDS, "delivered_on", "language", "evaluation", "is_demo", *DAC_CRITERIA}
)
RATING_VALUES = frozenset(Rating.values)

# --- Tokens --------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


# --- Writes --------------------------------------------------------------------------------


def _label(instance: LessonLearned) -> str:
    if instance.pk:
        return _("Lesson learned %(pk)s") % {"pk": instance.pk}
    return _("New lesson learned")


def _validate(
    instance: LessonLearned, data: Mapping[str, Any], kinds: Iterable[str]
) -> list[InputProblem]:
    place = _label(instance)
    problems: list[InputProblem] = []
    for name in sorted(set(data) - DATA_FIELDS):
        problems.append(
            InputProblem(place, _("“%(field)s” is not a field of a lesson.") % {"field": name})
        )
    for name in REQUIRED_FIELDS:
        value = data.get(name, getattr(instance, name))
        if not str(value or "").strip():
            problems.append(
                InputProblem(
                    place,
                    _("%(field)s: a value is required.") % {"field": field_label(name)},
                    column=name,
                )
            )
    for name in DAC_CRITERIA:
        if name not in data:
            continue
        value = data[name]
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in RATING_VALUES:
            problems.append(
                InputProblem(
                    place,
                    _("%(field)s: the rating must be a whole number from 1 to 4, not “%(value)s”.")
                    % {"field": field_label(name), "value": value},
                    column=name,
                )
            )
    for kind in kinds:
        if kind not in AssistanceKind.values:
            problems.append(
                InputProblem(
                    place,
                    _("“%(kind)s” is not a kind of assistance.") % {"kind": kind},
                    column="kinds",
                )
            )
    return problems


def field_label(name: str) -> str:
    """The translated label of a field of ``LessonLearned``."""
    return str(getattr(LessonLearned._meta.get_field(name), "verbose_name", name))


def lesson_save(
    *,
    user: Any,
    instance: LessonLearned,
    data: Mapping[str, Any],
    states: Iterable[State],
    articles: Iterable[Article],
    kinds: list[str],
    reason: str = "",
) -> LessonLearned:
    """Record a new lesson learned or change one (the secretariat only).

    ``data`` holds the lesson's fields (title, activity, delivered_on, what_worked,
    what_did_not, recommendations, language, the six OECD-DAC ratings from 1 to 4 or None,
    evaluation, is_demo). ``evaluation``: a file to attach, ``None`` to keep the current one,
    ``False`` or "" to remove it. Every problem is reported at once (``InvalidInput``) and
    nothing is written.
    """
    action = "change" if instance.pk else "add"
    if not user.has_perm(f"needs.{action}_lessonlearned", instance if instance.pk else None):
        raise PermissionDenied
    states = list(states)
    articles = list(articles)
    kinds = list(dict.fromkeys(kinds))
    problems = _validate(instance, data, kinds)
    if problems:
        raise InvalidInput(problems)

    for name, value in data.items():
        if name == "evaluation":
            if value is None:
                continue
            instance.evaluation = value or ""
        elif name in DAC_CRITERIA:
            setattr(instance, name, None if value in (None, "") else value)
        elif name in TEXT_FIELDS:
            setattr(instance, name, str(value or "").strip())
        else:
            setattr(instance, name, value)
    # Keep the order of AssistanceKind, whatever the order given.
    instance.kinds = [kind for kind in AssistanceKind.values if kind in kinds]
    if not instance.pk:
        instance.recorded_by = user if getattr(user, "pk", None) else None
    instance._change_reason = reason  # type: ignore[attr-defined]
    if getattr(user, "pk", None):
        instance._history_user = user  # type: ignore[attr-defined]
    with transaction.atomic(), one_version(instance):  # its States and articles with it
        instance.save()
        instance.states.set(states)
        instance.articles.set(articles)
    return instance


# --- Reads ---------------------------------------------------------------------------------


def lesson_search(
    *,
    query: str = "",
    article: Article | None = None,
    kind: str = "",
    state: State | None = None,
) -> QuerySet[LessonLearned]:
    """Lessons matching every word of ``query`` (in any language, Arabic spelling and accents
    folded) and the filters given; newest delivery first, undated last."""
    lessons = search(LessonLearned.objects.all(), query)
    if article is not None:
        lessons = lessons.filter(articles=article)
    if state is not None:
        lessons = lessons.filter(states=state)
    if kind:
        # ``kinds`` is a JSON list: select in Python so that SQLite and PostgreSQL agree.
        chosen = [pk for pk, kinds in lessons.values_list("pk", "kinds") if kind in (kinds or [])]
        lessons = LessonLearned.objects.filter(pk__in=chosen)
    return lessons.order_by(F("delivered_on").desc(nulls_last=True), "-pk")


@dataclass(frozen=True)
class Rated:
    criterion: str
    label: str
    value: int | None
    display: str


def lesson_ratings(lesson: LessonLearned) -> list[Rated]:
    """The six OECD-DAC ratings of a lesson, in the usual order, with their labels."""
    rows = []
    for name in DAC_CRITERIA:
        value = getattr(lesson, name)
        display = str(Rating(value).label) if value in RATING_VALUES else ""
        rows.append(Rated(name, field_label(name), value, display))
    return rows


def kind_labels(kinds: Iterable[str]) -> list[str]:
    """Labels of kinds of assistance in the active language (unknown codes shown as they are)."""
    labels = dict(AssistanceKind.choices)
    return [str(labels.get(kind, kind)) for kind in kinds]


# --- Lessons that bear on a need ---------------------------------------------------------

# Words too common to say anything about similarity (folded, Arabic article removed).
_STOP_WORDS_RAW = """
the and for with from that this these those are was were has have had not but all any its
into our their there which who whom will would can could also other more such than been
being about upon under over after before between during each per via where when while
les des une pour dans par sur avec aux est sont qui que pas plus ses leur leurs ont ete
cette ces entre comme mais elle ils nous vous tout tous toute toutes ainsi afin lors
los las una unos unas por para con del que sus como mas entre este esta estos estas son
fue han sin sobre tambien cuando donde
في من علي الي عن مع هذا هذه ذلك تلك التي الذي الذين او ان كان كانت بين كما قد لا ما ثم
حتي عند غير بعد قبل ضمن خلال كل
assistance technical technique techniques tecnica tecnico asistencia
مساعده تقنيه فنيه
"""
MIN_TOKEN_LENGTH = 3


def _token_set(text: str, stop: frozenset[str] | None = None) -> set[str]:
    stop = STOP_WORDS if stop is None else stop
    tokens = set()
    for token in _WORD.findall(fold(text)):
        word = strip_arabic_article(token)
        if len(word) < MIN_TOKEN_LENGTH or word.isdigit() or word in stop:
            continue
        tokens.add(word)
    return tokens


STOP_WORDS = frozenset(_token_set(_STOP_WORDS_RAW, frozenset()))


def need_texts(need: Need, user: Any) -> list[str]:
    """The texts of a need's evidence that ``user`` may see (``selectors.visible_evidence_q``):
    titles and descriptions of the requests behind it."""
    evidence = (
        need.evidence.filter(request_line__isnull=False)
        .filter(visible_evidence_q(user))
        .select_related("request_line__request")
    )
    texts: list[str] = []
    seen: set[int] = set()
    for item in evidence.order_by("pk"):
        request = item.request_line.request  # type: ignore[union-attr]
        if request.pk in seen:
            continue
        seen.add(request.pk)
        texts.extend([request.title, request.description])
    return texts


@dataclass(frozen=True)
class Relatedness:
    """Why a lesson bears on a need; ``tier`` 0 is closest. Sorted by ``sort_key``."""

    tier: int
    same_article: bool
    same_kind: bool
    shared_words: tuple[str, ...]

    @property
    def score(self) -> int:
        return len(self.shared_words)

    def reasons(self) -> list[str]:
        reasons = []
        if self.same_article:
            reasons.append(_("Same article"))
        if self.same_kind:
            reasons.append(_("Same kind of assistance"))
        if self.shared_words:
            words = list_separator().join(self.shared_words)
            reasons.append(_("Similar words: %(words)s") % {"words": words})
        return reasons


SHOWN_WORDS = 8


def relatedness(
    *, lesson: LessonLearned, article_ids: set[int], kind: str, need_tokens: set[str]
) -> Relatedness | None:
    same_article = bool(article_ids & {a.pk for a in lesson.articles.all()})
    same_kind = kind in (lesson.kinds or [])
    shared = tuple(sorted(need_tokens & _token_set(lesson.search_text)))
    if same_article and same_kind:
        tier = 0
    elif same_article or same_kind:
        tier = 1
    elif shared:
        tier = 2
    else:
        return None
    return Relatedness(tier, same_article, same_kind, shared)


def related_lessons(
    *, need: Need, user: Any, limit: int = 5
) -> list[tuple[LessonLearned, list[str]]]:
    """Lessons that bear on ``need``, closest first, each with the reasons (translated), as
    ``user`` may see them.

    Order: same article and same kind of assistance; then same article or same kind; then
    lessons sharing words with the need's requests. Within each group: more shared words
    first (folded words of three letters or more, common words ignored), then the most
    recently delivered, then the most recently recorded. The words compared are those of the
    requests ``user`` may see (``need_texts``): the words shown, the lessons found by them and
    their order tell nothing of a confidential request of another State.
    """
    need_tokens: set[str] = set()
    for text in need_texts(need, user):
        need_tokens |= _token_set(text)
    lessons = LessonLearned.objects.prefetch_related("articles").order_by("pk")
    found: list[tuple[LessonLearned, Relatedness]] = []
    for lesson in lessons:
        why = relatedness(
            lesson=lesson, article_ids={need.article_id}, kind=need.kind, need_tokens=need_tokens
        )
        if why is not None:
            found.append((lesson, why))
    found.sort(
        key=lambda pair: (
            pair[1].tier,
            -pair[1].score,
            -(pair[0].delivered_on.toordinal() if pair[0].delivered_on else 0),
            -pair[0].pk,
        )
    )
    results = []
    for lesson, why in found[: max(limit, 0)]:
        reasons = why.reasons()
        if len(why.shared_words) > SHOWN_WORDS:
            words = list_separator().join(why.shared_words[:SHOWN_WORDS])
            reasons[-1] = _("Similar words: %(words)s …") % {"words": words}
        results.append((lesson, reasons))
    return results
