"""Lessons learned: multilingual search with Arabic spelling folding, the lessons that bear on a
need, who may read and write them, and the OECD-DAC ratings."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from infobase.core.errors import InvalidInput
from infobase.needs.lessons import lesson_save, lesson_search, related_lessons
from infobase.needs.models import (
    AssistanceRequest,
    LessonLearned,
    Need,
    NeedEvidence,
    RequestLine,
)
from infobase.reference.models import Article, State
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def article(number: int) -> Article:
    return Article.objects.get(instrument__code="untoc", number=number)


def record(user, *, states=(), articles=(), kinds=(), **data) -> LessonLearned:
    data.setdefault("activity", "Project XAMZ-01")
    return lesson_save(
        user=user,
        instance=LessonLearned(),
        data=data,
        states=list(states),
        articles=list(articles),
        kinds=list(kinds),
        reason="test",
    )


def titles(qs) -> set[str]:
    return {lesson.title for lesson in qs}


@pytest.fixture
def lessons(secretariat, egypt, senegal):
    """An Arabic lesson on Egypt (plain spelling), an Arabic one written with full vowels,
    a French one on Senegal and an English one on Mexico."""
    return {
        "eg": record(
            secretariat,
            title="التدريب على جمع الأدلة الرقمية",
            what_worked="تحسن مستوى المحققين بفضل المساعدة المقدمة من الخبراء.",
            what_did_not="لم تتوفر الأجهزة في الوقت المناسب.",
            recommendations="إشراك النيابة العامة منذ البداية.",
            language="ar",
            states=[egypt],
            articles=[article(7)],
            kinds=["training"],
            relevance=4,
            effectiveness=3,
        ),
        "vowelled": record(
            secretariat,
            title="التَّدْرِيبُ المُتَخَصِّصُ لِلقُضَاةِ",
            what_worked="أَثْبَتَتِ الأَدِلَّةُ أَنَّ المُسَاعَدَةَ كانت مُفِيدَةً عَلَى المُسْتَوَى المَحَلِّيّ.",
            language="ar",
            kinds=["training"],
        ),
        "sn": record(
            secretariat,
            title="Évaluation des besoins en formation des magistrats",
            what_worked="Les ateliers régionaux ont réuni juges et procureurs.",
            recommendations="Prévoir une évaluation à six mois.",
            language="fr",
            states=[senegal],
            articles=[article(29)],
            kinds=["training", "good_practices"],
            delivered_on=date(2023, 5, 2),
        ),
        "mx": record(
            secretariat,
            title="Model law on witness protection",
            what_worked="Drafting workshops with the legislature.",
            language="en",
            states=[State.objects.get(iso3="MEX")],
            articles=[article(24)],
            kinds=["legislative"],
            delivered_on=date(2022, 1, 10),
        ),
    }


# --- Search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "variant"),
    [
        ("التدريب", "التَّدْرِيب"),  # harakat and shadda
        ("الأدلة", "الادلة"),  # hamza on alef
        ("الأدلة", "الادله"),  # hamza and ta marbuta
        ("المساعدة", "المساعده"),  # ta marbuta
        ("مستوى", "مستوي"),  # alef maqsura
        ("الإلكترونية", "الالكترونيه"),
    ],
)
def test_arabic_spelling_variants_find_the_same_lessons(lessons, plain, variant):
    found = titles(lesson_search(query=plain))
    assert found == titles(lesson_search(query=variant))


def test_an_arabic_query_finds_lessons_written_with_or_without_vowels(lessons):
    found = titles(lesson_search(query="القضاة"))  # judges: only in the vowelled lesson
    assert found == {lessons["vowelled"].title}
    assert titles(lesson_search(query="القُضَاةِ")) == found
    training = titles(lesson_search(query="التدريب"))
    # The French lesson is found too: its kind of assistance is "بناء القدرات والتدريب" in
    # Arabic and its article 29 is "التدريب والمساعدة التقنية".
    assert training == {lessons["eg"].title, lessons["vowelled"].title, lessons["sn"].title}
    assert titles(lesson_search(query="التَّدْرِيبُ")) == training
    evidence = titles(lesson_search(query="الأدلة"))
    assert evidence == {lessons["eg"].title, lessons["vowelled"].title}
    assistance = titles(lesson_search(query="المساعده"))
    assert assistance == titles(lesson_search(query="المُسَاعَدَة"))
    assert evidence < assistance  # plus the French lesson on article 29 "… والمساعدة التقنية"


def test_french_accents_and_case_are_ignored(lessons):
    expected = {lessons["sn"].title}
    for query in ("évaluation", "evaluation", "ÉVALUATION", "Evaluation"):
        assert titles(lesson_search(query=query)) == expected
    assert titles(lesson_search(query="regionaux")) == expected


@pytest.mark.parametrize("query", ["Egypt", "Égypte", "egypte", "Egipto", "مصر", "Египет"])
def test_the_state_name_in_any_language_finds_its_lessons(lessons, query):
    assert titles(lesson_search(query=query)) == {lessons["eg"].title}


def test_an_article_title_in_another_language_finds_the_lesson(lessons):
    # Article 7 is "Measures to combat money-laundering" / "تدابير مكافحة غسل الأموال".
    assert titles(lesson_search(query="money-laundering")) == {lessons["eg"].title}
    assert titles(lesson_search(query="غسل الاموال")) == {lessons["eg"].title}


def test_every_word_of_the_query_must_appear(lessons):
    assert titles(lesson_search(query="formation Sénégal")) == {lessons["sn"].title}
    assert titles(lesson_search(query="magistrats Egypte")) == set()
    # "formation" is the French label of the Egyptian lesson's kind of assistance (training).
    assert titles(lesson_search(query="formation Egypte")) == {lessons["eg"].title}
    assert titles(lesson_search(query="التدريب مصر")) == {lessons["eg"].title}
    assert lesson_search(query="").count() == 4


def test_filters_by_article_kind_and_state(lessons, egypt, senegal):
    assert titles(lesson_search(article=article(29))) == {lessons["sn"].title}
    assert titles(lesson_search(kind="training")) == {
        lessons["eg"].title,
        lessons["vowelled"].title,
        lessons["sn"].title,
    }
    assert titles(lesson_search(kind="training", state=senegal)) == {lessons["sn"].title}
    assert titles(lesson_search(kind="legislative", query="التدريب")) == set()
    assert titles(lesson_search(query="التدريب", state=egypt)) == {lessons["eg"].title}


def test_results_are_newest_delivery_first_and_undated_last(lessons):
    order = [lesson.pk for lesson in lesson_search()]
    assert order == [
        lessons["sn"].pk,
        lessons["mx"].pk,
        lessons["vowelled"].pk,
        lessons["eg"].pk,
    ]


def test_the_search_box_on_the_list_page(lessons, focal_egypt):
    client = client_for(focal_egypt)
    response = client.get(reverse("lesson_list"), {"q": "الادله"})
    assert response.status_code == 200
    body = response.content.decode()
    assert lessons["eg"].title in body
    assert lessons["sn"].title not in body
    response = client.get(reverse("lesson_list"), {"state": "SEN", "kind": "training"})
    body = response.content.decode()
    assert lessons["sn"].title in body
    assert lessons["eg"].title not in body


# --- Writes and validation ------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 5, -1, "3", True])
def test_a_rating_outside_1_to_4_is_refused_and_nothing_is_written(secretariat, bad):
    with pytest.raises(InvalidInput) as exc:
        record(secretariat, title="Bad rating", impact=bad)
    assert [p.column for p in exc.value.problems] == ["impact"]
    assert not LessonLearned.objects.filter(title="Bad rating").exists()


def test_every_problem_is_reported_at_once(secretariat):
    with pytest.raises(InvalidInput) as exc:
        record(secretariat, title="", activity="", relevance=0, kinds=["cooking"])
    columns = sorted(p.column or "" for p in exc.value.problems)
    assert columns == ["activity", "kinds", "relevance", "title"]
    assert LessonLearned.objects.count() == 0


def test_a_change_keeps_history_with_reason_and_refreshes_search_text(secretariat, egypt):
    lesson = record(secretariat, title="Mentoring prosecutors", kinds=["onsite_expert"])
    assert "egypt" not in lesson.search_text
    lesson_save(
        user=secretariat,
        instance=lesson,
        data={"sustainability": 2},
        states=[egypt],
        articles=[],
        kinds=["onsite_expert"],
        reason="Evaluation received",
    )
    lesson.refresh_from_db()
    assert lesson.sustainability == 2
    assert titles(lesson_search(query="مصر")) == {"Mentoring prosecutors"}
    latest = lesson.history.first()
    assert latest.history_change_reason == "Evaluation received"
    assert latest.history_user == secretariat
    assert lesson.history.count() == 2


# --- Permissions and screens ----------------------------------------------------------------


def test_a_focal_point_can_read_but_not_record(lessons, focal_egypt):
    client = client_for(focal_egypt)
    assert client.get(reverse("lesson_list")).status_code == 200
    detail = client.get(reverse("lesson_detail", args=[lessons["eg"].pk]))
    assert detail.status_code == 200
    assert reverse("lesson_edit", args=[lessons["eg"].pk]) not in detail.content.decode()
    assert client.get(reverse("lesson_new")).status_code == 403
    response = client.post(reverse("lesson_new"), {"title": "Sneaky", "activity": "X"})
    assert response.status_code == 403
    assert client.post(reverse("lesson_edit", args=[lessons["eg"].pk]), {}).status_code == 403
    assert not LessonLearned.objects.filter(title="Sneaky").exists()
    with pytest.raises(PermissionDenied):
        record(focal_egypt, title="Sneaky")


def test_anonymous_visitors_are_sent_to_sign_in(lessons):
    client = client_for(None)
    for url in (
        reverse("lesson_list"),
        reverse("lesson_detail", args=[lessons["eg"].pk]),
        reverse("lesson_new"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_secretariat_records_a_lesson_with_its_evaluation_report(
    secretariat, focal_egypt, egypt, senegal, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(secretariat)
    assert client.get(reverse("lesson_new")).status_code == 200
    response = client.post(
        reverse("lesson_new"),
        {
            "title": "Formation des enquêteurs financiers",
            "activity": "GLOU40 — atelier de Dakar",
            "delivered_on": "2024-03-01",
            "language": "fr",
            "what_worked": "Études de cas réels.",
            "states": [egypt.pk, senegal.pk],
            "articles": [article(7).pk],
            "kinds": ["training", "good_practices"],
            "relevance": "4",
            "coherence": "3",
            "impact": "",
            "evaluation": SimpleUploadedFile("rapport.pdf", b"%PDF-1.4 test"),
            "reason": "Atelier terminé",
        },
    )
    assert response.status_code == 302
    lesson = LessonLearned.objects.get(title="Formation des enquêteurs financiers")
    assert response["Location"] == reverse("lesson_detail", args=[lesson.pk])
    assert set(lesson.states.values_list("iso3", flat=True)) == {"EGY", "SEN"}
    assert lesson.kinds == ["training", "good_practices"]
    assert (lesson.relevance, lesson.coherence, lesson.impact) == (4, 3, None)
    assert lesson.recorded_by == secretariat
    assert lesson.history.first().history_change_reason == "Atelier terminé"
    assert titles(lesson_search(query="enqueteurs مصر")) == {lesson.title}

    reader = client_for(focal_egypt)
    page = reader.get(reverse("lesson_detail", args=[lesson.pk])).content.decode()
    assert f"/history/needs.lessonlearned/{lesson.pk}/" in page
    assert reader.get(f"/history/needs.lessonlearned/{lesson.pk}/").status_code == 200
    download = reader.get(reverse("lesson_evaluation", args=[lesson.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"


def test_the_form_refuses_a_rating_of_5(secretariat):
    response = client_for(secretariat).post(
        reverse("lesson_new"), {"title": "Out of scale", "activity": "X", "efficiency": "5"}
    )
    assert response.status_code == 200
    assert "efficiency" in response.context["form"].errors
    assert not LessonLearned.objects.filter(title="Out of scale").exists()


def test_editing_keeps_the_states_articles_and_kinds(secretariat, lessons):
    lesson = lessons["sn"]
    client = client_for(secretariat)
    form = client.get(reverse("lesson_edit", args=[lesson.pk])).context["form"]
    assert form.initial["kinds"] == ["training", "good_practices"]
    response = client.post(
        reverse("lesson_edit", args=[lesson.pk]),
        {
            "title": lesson.title,
            "activity": lesson.activity,
            "states": [s.pk for s in lesson.states.all()],
            "articles": [a.pk for a in lesson.articles.all()],
            "kinds": ["training"],
            "impact": "2",
            "reason": "Follow-up evaluation",
        },
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.kinds == ["training"]
    assert lesson.impact == 2
    assert list(lesson.articles.all()) == [article(29)]


# --- Lessons that bear on a need ------------------------------------------------------------


@pytest.fixture
def need(egypt) -> Need:
    """Egypt needs training on article 7, asked for in a request written in Arabic."""
    need = Need.objects.create(
        state=egypt, article=article(7), kind="training", first_seen=date(2024, 1, 1)
    )
    request = AssistanceRequest.objects.create(
        state=egypt,
        instrument=article(7).instrument,
        title="طلب تدريب المحققين الماليين",
        description="تدريب على التحقيقات المالية وتتبع العائدات الإجرامية والعملات المشفرة.",
        urgency="high",
        received_on=date(2024, 1, 1),
        source="web",
    )
    line = RequestLine.objects.create(request=request, article=article(7), kind="training")
    NeedEvidence.objects.create(need=need, kind="request", request_line=line)
    return need


def test_related_lessons_rank_article_and_kind_first_then_either_then_words(secretariat, need):
    both = record(
        secretariat, title="Both", articles=[article(7)], kinds=["training"], what_worked="ok"
    )
    article_only = record(
        secretariat, title="Article only", articles=[article(7)], kinds=["legislative"]
    )
    kind_rich = record(
        secretariat,
        title="Kind, similar words",
        articles=[article(29)],
        kinds=["training"],
        what_worked="تحسنت التحقيقات المالية بعد الدورة",
    )
    words_only = record(
        secretariat,
        title="Words only",
        kinds=["technology"],
        what_worked="برنامج لتتبع العملات المشفرة",
    )
    record(secretariat, title="Unrelated", kinds=["action_plan"], what_worked="خطة عمل وطنية")

    result = related_lessons(need=need, user=secretariat, limit=10)
    assert [lesson.title for lesson, _ in result] == [
        both.title,
        kind_rich.title,  # same kind and shares words: before the article-only lesson
        article_only.title,
        words_only.title,
    ]
    reasons = dict((lesson.title, why) for lesson, why in result)
    assert reasons["Both"][:2] == ["Same article", "Same kind of assistance"]
    assert reasons["Article only"] == ["Same article"]
    # "تدريب" comes from the Arabic label of the lesson's kind ("بناء القدرات والتدريب").
    assert reasons["Kind, similar words"] == [
        "Same kind of assistance",
        "Similar words: تحقيقات, تدريب, ماليه",
    ]
    assert reasons["Words only"] == ["Similar words: عملات, مشفره"]


def test_related_lessons_are_limited_and_deterministic(secretariat, need):
    made = [
        record(secretariat, title=f"Lesson {i}", articles=[article(7)], kinds=["training"])
        for i in range(4)
    ]
    first = [lesson.pk for lesson, _ in related_lessons(need=need, user=secretariat, limit=3)]
    assert first == [
        lesson.pk for lesson, _ in related_lessons(need=need, user=secretariat, limit=3)
    ]
    assert first == [made[3].pk, made[2].pk, made[1].pk]  # newest recorded first on a tie


def test_common_and_short_words_do_not_make_lessons_similar(secretariat, need):
    # "التي", "على" and "في" are stop words; nothing else is shared with the request.
    record(secretariat, title="Noise", kinds=["action_plan"], what_worked="التي على في من")
    assert related_lessons(need=need, user=secretariat) == []


def test_the_pages_render_right_to_left_in_arabic(lessons, secretariat, settings):
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    for url in (
        reverse("lesson_list"),
        reverse("lesson_detail", args=[lessons["eg"].pk]),
        reverse("lesson_edit", args=[lessons["eg"].pk]),
        reverse("lesson_new"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert 'dir="rtl"' in body
    assert "مصر" in client.get(reverse("lesson_list")).content.decode()
