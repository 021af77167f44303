"""The session and agenda-item lines of a United Nations document header, in the style of the
Conference's documents in each of the six languages: "Thirteenth session", "Vienna,
13–17 October 2026", "Item 2 of the provisional agenda".

These are fixed editorial forms (ordinal words agree with the word for "session" in each
language), so they are held here as data per language rather than as interface messages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import translation

from infobase.core.i18n import format_date, language, pick_label
from infobase.meetings.models import AgendaItem, Session, SessionKind

# The word for "session" is feminine in French, Russian and Arabic; the ordinals agree.
ORDINALS: dict[str, tuple[str, ...]] = {
    "en": (
        "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
        "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth",
        "Seventeenth", "Eighteenth", "Nineteenth", "Twentieth",
    ),
    "fr": (
        "Première", "Deuxième", "Troisième", "Quatrième", "Cinquième", "Sixième", "Septième",
        "Huitième", "Neuvième", "Dixième", "Onzième", "Douzième", "Treizième", "Quatorzième",
        "Quinzième", "Seizième", "Dix-septième", "Dix-huitième", "Dix-neuvième", "Vingtième",
    ),
    "ru": (
        "Первая", "Вторая", "Третья", "Четвертая", "Пятая", "Шестая", "Седьмая", "Восьмая",
        "Девятая", "Десятая", "Одиннадцатая", "Двенадцатая", "Тринадцатая", "Четырнадцатая",
        "Пятнадцатая", "Шестнадцатая", "Семнадцатая", "Восемнадцатая", "Девятнадцатая",
        "Двадцатая",
    ),
    "ar": (
        "الأولى", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة", "الثامنة",
        "التاسعة", "العاشرة", "الحادية عشرة", "الثانية عشرة", "الثالثة عشرة", "الرابعة عشرة",
        "الخامسة عشرة", "السادسة عشرة", "السابعة عشرة", "الثامنة عشرة", "التاسعة عشرة",
        "العشرون",
    ),
}  # fmt: skip
CHINESE_DIGITS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, units = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return f"{head}十{CHINESE_DIGITS[units] if units else ''}" if n < 100 else str(n)


def _lang(language_code: str | None) -> str:
    code = (language_code or translation.get_language() or "en").lower()
    return "zh" if code.startswith("zh") else code.split("-")[0]


def session_ordinal(number: int, language_code: str | None = None) -> str:
    """ "Thirteenth session", «الدورة الثالثة عشرة», «第十三届会议», "13º período de sesiones"."""
    lang = _lang(language_code)
    if lang == "zh":
        return f"第{_chinese_number(number)}届会议"
    if lang == "es":
        return f"{number}º período de sesiones"
    words = ORDINALS.get(lang, ORDINALS["en"])
    if not 1 <= number <= len(words):
        return {
            "fr": f"{number}e session",
            "ru": f"{number}-я сессия",
            "ar": f"الدورة {number}",
        }.get(lang, f"Session {number}")
    word = words[number - 1]
    if lang == "ar":
        return f"الدورة {word}"
    if lang == "ru":
        return f"{word} сессия"
    return f"{word} session"


def place_and_dates(session: Session, language_code: str | None = None) -> str:
    """ "Vienna, 13–17 October 2026" in the language (the day range written once)."""
    lang = _lang(language_code)
    with language(language_code or translation.get_language()):
        city = pick_label(session.city)[0] if session.city else ""
        start, end = session.starts_on, session.ends_on
        if start == end:
            dates = format_date(end)
        elif (start.year, start.month) == (end.year, end.month) and lang != "zh":
            dates = f"{start.day}–{format_date(end)}"
        else:
            dates = f"{format_date(start)} – {format_date(end)}"
    separator = "،" if lang == "ar" else ("，" if lang == "zh" else ",")
    return f"{city}{separator} {dates}" if city else dates


def session_line(session: Session, language_code: str | None = None) -> str:
    """The header's session line: "Thirteenth session, Vienna, 13–17 October 2026" for a
    numbered session of the Conference, the session's title otherwise."""
    with language(language_code or translation.get_language()):
        if session.kind == SessionKind.CONFERENCE and session.number:
            head = session_ordinal(session.number, language_code)
        else:
            head = pick_label(session.title)[0] or str(session)
    lang = _lang(language_code)
    separator = "،" if lang == "ar" else ("，" if lang == "zh" else ",")
    return f"{head}{separator} {place_and_dates(session, language_code)}"


AGENDA_ITEM = {
    "en": "Item {n} of the provisional agenda",
    "fr": "Point {n} de l’ordre du jour provisoire",
    "es": "Tema {n} del programa provisional",
    "ru": "Пункт {n} предварительной повестки дня",
    "ar": "البند {n} من جدول الأعمال المؤقت",
    "zh": "临时议程项目{n}",
}


def agenda_item_line(item: AgendaItem, language_code: str | None = None) -> str:
    """ "Item 2 of the provisional agenda" in the language."""
    pattern = AGENDA_ITEM.get(_lang(language_code), AGENDA_ITEM["en"])
    return pattern.format(n=item.number.rstrip("."))


class Records:
    """The meetings records as the report engine's UN header uses them."""

    def sessions(self) -> QuerySet[Session]:
        return Session.objects.select_related("body").order_by("-starts_on")

    def agenda_items(self) -> QuerySet[AgendaItem]:
        return AgendaItem.objects.select_related("session").order_by(
            "-session__starts_on", "position", "pk"
        )

    def session_line(self, session: Session) -> str:
        return session_line(session)

    def agenda_item_line(self, item: AgendaItem) -> str:
        return agenda_item_line(item)
