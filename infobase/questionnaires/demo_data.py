"""Illustrative reporting cycles, questionnaires, dispatch and answers for the demo data set.

Everything here is invented for demonstration (``is_demo`` questionnaires, answer texts that
start with "Illustrative"). The data is deterministic for a seed: every random choice comes from
a generator seeded with the seed and the thing it decides (a State in a cycle), so the order of
the other contributors does not matter. Running the contributor again creates nothing: cycles,
questionnaires, items and choices are matched by their natural keys, and answers are written
only for the assignments that the run creates.

Scales: "small" has one questionnaire per cycle of about 150 questions and answers from about
120 States in the first cycle; "world" adds a status question and an explanation for every
paragraph of each article (about 430 questions), sends both cycles to every State and has answers
from all of them in both cycles (some already validated in the open one).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from infobase.core.history import one_version
from infobase.demo.services import DemoContext, demo_contributor
from infobase.questionnaires import services
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Choice,
    ChoiceList,
    Item,
    ItemKind,
    ItemRole,
    Questionnaire,
    QuestionnaireStatus,
    ReportingCycle,
)
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    Participation,
    Priority,
    RegionalGroup,
    State,
)

Label = dict[str, str]

LANGUAGES = [
    {"code": "en", "column": "English (en)"},
    {"code": "ar", "column": "Arabic (ar)"},
    {"code": "fr", "column": "French (fr)"},
    {"code": "es", "column": "Spanish (es)"},
]
INSTRUMENTS = ("untoc", "tip", "som", "firearms")


def tr(en: str, ar: str, fr: str, es: str) -> Label:
    return {"en": en, "ar": ar, "fr": fr, "es": es}


# --- The questionnaire ------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    number: int
    name: Label  # in the six languages, as the cycle's names
    starts_on: date
    ends_on: date
    ordinal: Label
    recipients_on: date  # participation date used to choose the recipients
    dispatched_at: datetime
    status: str


CYCLES = (
    Cycle(
        1,
        {
            "en": "First reporting cycle (illustrative)",
            "ar": "دورة الإبلاغ الأولى (توضيحي)",
            "zh": "第一个报告周期（示例）",
            "fr": "Premier cycle d'établissement des rapports (fictif)",
            "ru": "Первый цикл представления отчетности (иллюстративный)",
            "es": "Primer ciclo de presentación de informes (ilustrativo)",
        },
        date(2005, 1, 1),
        date(2006, 12, 31),
        tr("first", "الأولى", "premier", "primer"),
        date(2006, 6, 30),
        datetime(2005, 11, 15, 9, 0, tzinfo=UTC),
        QuestionnaireStatus.CLOSED,
    ),
    Cycle(
        2,
        {
            "en": "Second reporting cycle (illustrative)",
            "ar": "دورة الإبلاغ الثانية (توضيحي)",
            "zh": "第二个报告周期（示例）",
            "fr": "Deuxième cycle d'établissement des rapports (fictif)",
            "ru": "Второй цикл представления отчетности (иллюстративный)",
            "es": "Segundo ciclo de presentación de informes (ilustrativo)",
        },
        date(2007, 1, 1),
        date(2008, 12, 31),
        tr("second", "الثانية", "deuxième", "segundo"),
        date(2008, 6, 30),
        datetime(2007, 11, 1, 9, 0, tzinfo=UTC),
        QuestionnaireStatus.PUBLISHED,
    ),
)


@dataclass(frozen=True)
class Section:
    """An article of an instrument asked about in its own section."""

    instrument: str
    number: int
    prefix: str
    difficulty: str  # "easy" | "medium" | "hard": how often States report gaps
    title_fr: str
    title_es: str
    offence: Label | None = None  # the conduct to criminalize, for criminalization articles


SECTIONS = (
    Section(
        "untoc",
        5,
        "a5",
        "easy",
        "Incrimination de la participation à un groupe criminel organisé",
        "Penalización de la participación en un grupo delictivo organizado",
        tr(
            "participation in an organized criminal group",
            "المشاركة في جماعة إجرامية منظمة",
            "la participation à un groupe criminel organisé",
            "la participación en un grupo delictivo organizado",
        ),
    ),
    Section(
        "untoc",
        6,
        "a6",
        "easy",
        "Incrimination du blanchiment du produit du crime",
        "Penalización del blanqueo del producto del delito",
        tr(
            "the laundering of proceeds of crime",
            "غسل عائدات الجرائم",
            "le blanchiment du produit du crime",
            "el blanqueo del producto del delito",
        ),
    ),
    Section(
        "untoc",
        8,
        "a8",
        "medium",
        "Incrimination de la corruption",
        "Penalización de la corrupción",
        tr("corruption", "الفساد", "la corruption", "la corrupción"),
    ),
    Section(
        "untoc",
        23,
        "a23",
        "easy",
        "Incrimination de l'entrave au bon fonctionnement de la justice",
        "Penalización de la obstrucción de la justicia",
        tr(
            "obstruction of justice",
            "عرقلة سير العدالة",
            "l'entrave au bon fonctionnement de la justice",
            "la obstrucción de la justicia",
        ),
    ),
    Section(
        "untoc",
        10,
        "a10",
        "medium",
        "Responsabilité des personnes morales",
        "Responsabilidad de las personas jurídicas",
    ),
    Section("untoc", 12, "a12", "medium", "Confiscation et saisie", "Decomiso e incautación"),
    Section(
        "untoc",
        13,
        "a13",
        "medium",
        "Coopération internationale aux fins de confiscation",
        "Cooperación internacional para fines de decomiso",
    ),
    Section(
        "untoc",
        14,
        "a14",
        "medium",
        "Disposition du produit du crime ou des biens confisqués",
        "Disposición del producto del delito o de los bienes decomisados",
    ),
    Section("untoc", 16, "a16", "medium", "Extradition", "Extradición"),
    Section("untoc", 18, "a18", "medium", "Entraide judiciaire", "Asistencia judicial recíproca"),
    Section(
        "untoc",
        20,
        "a20",
        "hard",
        "Techniques d'enquête spéciales",
        "Técnicas especiales de investigación",
    ),
    Section("untoc", 24, "a24", "hard", "Protection des témoins", "Protección de los testigos"),
    Section(
        "untoc",
        25,
        "a25",
        "hard",
        "Assistance et protection accordées aux victimes",
        "Asistencia y protección a las víctimas",
    ),
    Section(
        "untoc",
        29,
        "a29",
        "hard",
        "Formation et assistance technique",
        "Capacitación y asistencia técnica",
    ),
    Section(
        "untoc",
        30,
        "a30",
        "medium",
        "Autres mesures : application de la Convention par le développement économique et "
        "l'assistance technique",
        "Otras medidas: aplicación de la Convención mediante el desarrollo económico y la "
        "asistencia técnica",
    ),
    Section("untoc", 31, "a31", "medium", "Prévention", "Prevención"),
    Section(
        "tip",
        5,
        "tip5",
        "easy",
        "Incrimination",
        "Penalización",
        tr(
            "trafficking in persons",
            "الاتجار بالأشخاص",
            "la traite des personnes",
            "la trata de personas",
        ),
    ),
    Section(
        "tip",
        6,
        "tip6",
        "medium",
        "Assistance et protection accordées aux victimes de la traite des personnes",
        "Asistencia y protección a las víctimas de la trata de personas",
    ),
    Section(
        "tip",
        9,
        "tip9",
        "medium",
        "Prévention de la traite des personnes",
        "Prevención de la trata de personas",
    ),
    Section(
        "som",
        6,
        "som6",
        "easy",
        "Incrimination",
        "Penalización",
        tr(
            "the smuggling of migrants",
            "تهريب المهاجرين",
            "le trafic illicite de migrants",
            "el tráfico ilícito de migrantes",
        ),
    ),
    Section(
        "som",
        16,
        "som16",
        "medium",
        "Mesures de protection et d'assistance",
        "Medidas de protección y asistencia",
    ),
    Section(
        "firearms",
        5,
        "fa5",
        "hard",
        "Incrimination",
        "Penalización",
        tr(
            "the illicit manufacturing of and trafficking in firearms",
            "صنع الأسلحة النارية والاتجار بها بصورة غير مشروعة",
            "la fabrication et le trafic illicites d'armes à feu",
            "la fabricación y el tráfico ilícitos de armas de fuego",
        ),
    ),
    Section("firearms", 7, "fa7", "hard", "Conservation des informations", "Registros"),
    Section(
        "firearms",
        8,
        "fa8",
        "hard",
        "Marquage des armes à feu",
        "Marcación de las armas de fuego",
    ),
    Section(
        "firearms",
        10,
        "fa10",
        "hard",
        "Obligations générales concernant les systèmes de licences ou d'autorisations "
        "d'exportation, d'importation et de transit",
        "Requisitos generales para sistemas de licencias o autorizaciones de exportación, "
        "importación y tránsito",
    ),
)

STATUS_CHOICES = (
    ("yes", tr("Yes", "نعم", "Oui", "Sí")),
    ("partly", tr("Partly", "جزئياً", "En partie", "Parcialmente")),
    ("no", tr("No", "لا", "Non", "No")),
    ("na", tr("Not applicable", "لا ينطبق", "Sans objet", "No se aplica")),
)
YES_NO_CHOICES = (
    ("yes", tr("Yes", "نعم", "Oui", "Sí")),
    ("no", tr("No", "لا", "Non", "No")),
)
PRIORITY_CHOICES = (
    (Priority.HIGH.value, tr("High", "عالية", "Élevée", "Alta")),
    (Priority.MEDIUM.value, tr("Medium", "متوسطة", "Moyenne", "Media")),
    (Priority.LOW.value, tr("Low", "منخفضة", "Faible", "Baja")),
)
TA_KIND_LABELS: dict[str, Label] = {
    AssistanceKind.LEGISLATIVE: tr(
        "Legislative advice and drafting",
        "المشورة التشريعية والصياغة",
        "Conseils législatifs et aide à la rédaction",
        "Asesoramiento legislativo y redacción",
    ),
    AssistanceKind.MODEL_LEGISLATION: tr(
        "Model legislation", "التشريعات النموذجية", "Législation type", "Legislación modelo"
    ),
    AssistanceKind.TRAINING: tr(
        "Capacity-building and training",
        "بناء القدرات والتدريب",
        "Renforcement des capacités et formation",
        "Creación de capacidad y capacitación",
    ),
    AssistanceKind.INSTITUTION_BUILDING: tr(
        "Institution-building",
        "بناء المؤسسات",
        "Renforcement des institutions",
        "Fortalecimiento institucional",
    ),
    AssistanceKind.ONSITE_EXPERT: tr(
        "On-site expert", "خبير في الموقع", "Expert sur place", "Experto in situ"
    ),
    AssistanceKind.GOOD_PRACTICES: tr(
        "Good practices", "الممارسات الجيدة", "Bonnes pratiques", "Buenas prácticas"
    ),
    AssistanceKind.TECHNOLOGY: tr(
        "Technology and equipment",
        "التكنولوجيا والمعدات",
        "Technologie et équipement",
        "Tecnología y equipo",
    ),
    AssistanceKind.ACTION_PLAN: tr("Action plan", "خطة عمل", "Plan d'action", "Plan de acción"),
    AssistanceKind.OTHER: tr("Other", "أخرى", "Autre", "Otra"),
}
CHOICE_LISTS: dict[str, tuple[tuple[str, Label], ...]] = {
    "status": STATUS_CHOICES,
    "yes_no": YES_NO_CHOICES,
    "ta_kinds": tuple((kind.value, TA_KIND_LABELS[kind]) for kind in AssistanceKind),
    "priority": PRIORITY_CHOICES,
}

STATUS_HINT = tr(
    "“Partly” means that some, but not all, of the requirements of the article are met.",
    "يُقصد بعبارة «جزئياً» أن بعض متطلبات المادة مستوفاة دون بعضها الآخر.",
    "« En partie » signifie que certaines exigences de l'article, mais pas toutes, sont "
    "satisfaites.",
    "«Parcialmente» significa que se cumplen algunos de los requisitos del artículo, pero no "
    "todos.",
)
EXPLANATION = tr(
    "If not fully, please explain which measures are still needed and the steps taken so far.",
    "إذا لم يكن الأمر كذلك بالكامل، يرجى توضيح التدابير التي لا تزال لازمة والخطوات المتخذة حتى "
    "الآن.",
    "Dans la négative ou en partie, veuillez préciser les mesures qui restent à prendre et les "
    "mesures déjà prises.",
    "En caso negativo o parcial, sírvase indicar las medidas que aún se necesitan y las "
    "adoptadas hasta la fecha.",
)
CHALLENGES = tr(
    "What challenges, if any, has your State encountered in implementing this article?",
    "ما هي التحديات التي واجهتها دولتكم، إن وُجدت، في تنفيذ هذه المادة؟",
    "Quelles difficultés votre État a-t-il rencontrées, le cas échéant, dans l'application de "
    "cet article ?",
    "¿Qué dificultades ha encontrado su Estado, en su caso, en la aplicación de este artículo?",
)
TA_NEEDED = tr(
    "Does your State require technical assistance to implement this article?",
    "هل تحتاج دولتكم إلى مساعدة تقنية لتنفيذ هذه المادة؟",
    "Votre État a-t-il besoin d'une assistance technique pour appliquer cet article ?",
    "¿Necesita su Estado asistencia técnica para aplicar este artículo?",
)
TA_KINDS = tr(
    "What kinds of technical assistance are needed?",
    "ما هي أنواع المساعدة التقنية المطلوبة؟",
    "De quels types d'assistance technique votre État a-t-il besoin ?",
    "¿Qué tipos de asistencia técnica se necesitan?",
)
TA_KINDS_HINT = tr(
    "Select all that apply.",
    "يرجى اختيار كل ما ينطبق.",
    "Cochez toutes les réponses applicables.",
    "Seleccione todas las opciones que correspondan.",
)
TA_PRIORITY = tr(
    "What priority does your State give to this assistance?",
    "ما هي الأولوية التي توليها دولتكم لهذه المساعدة؟",
    "Quel degré de priorité votre État accorde-t-il à cette assistance ?",
    "¿Qué prioridad asigna su Estado a esta asistencia?",
)


@dataclass
class ItemSpec:
    name: str
    kind: str
    xlsform_type: str
    label: Label
    hint: Label = field(default_factory=dict)
    parent: str = ""
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    constraint_message: Label = field(default_factory=dict)
    choice_list: str = ""
    article: Article | None = None
    paragraph: int | None = None
    role: str = ""


def _status_question(section: Section, article: Article) -> Label:
    if section.offence:
        o = section.offence
        return tr(
            f"Has your State adopted the legislative measures necessary to criminalize {o['en']}?",
            f"هل اعتمدت دولتكم التدابير التشريعية اللازمة لتجريم {o['ar']}؟",
            f"Votre État a-t-il adopté les mesures législatives nécessaires pour ériger en "
            f"infraction pénale {o['fr']} ?",
            f"¿Ha adoptado su Estado las medidas legislativas necesarias para tipificar como "
            f"delito {o['es']}?",
        )
    n = article.number
    return tr(
        f"Has your State adopted the legislative and other measures necessary to implement "
        f"article {n} ({article.title_en})?",
        f"هل اعتمدت دولتكم التدابير التشريعية وغيرها من التدابير اللازمة لتنفيذ المادة {n} "
        f"({article.title_ar})؟",
        f"Votre État a-t-il adopté les mesures législatives et autres nécessaires pour appliquer "
        f"l'article {n} ({section.title_fr}) ?",
        f"¿Ha adoptado su Estado las medidas legislativas y de otra índole necesarias para "
        f"aplicar el artículo {n} ({section.title_es})?",
    )


def questionnaire_specs(
    articles: dict[tuple[str, int], Article], *, paragraphs: bool
) -> list[ItemSpec]:
    """The survey rows, in order. ``paragraphs`` adds a status per paragraph (world scale)."""
    specs = [
        ItemSpec(
            "intro_note",
            ItemKind.NOTE,
            "note",
            tr(
                "Illustrative demo questionnaire: the questions and answers are invented for "
                "demonstration.",
                "استبيان توضيحي لأغراض العرض: الأسئلة والإجابات مُعدّة لأغراض الإيضاح فقط.",
                "Questionnaire de démonstration fictif : les questions et les réponses sont "
                "inventées à des fins d'illustration.",
                "Cuestionario ilustrativo de demostración: las preguntas y las respuestas son "
                "ficticias.",
            ),
        ),
        ItemSpec(
            "sec_general",
            ItemKind.GROUP,
            "begin_group",
            tr(
                "General information",
                "معلومات عامة",
                "Renseignements généraux",
                "Información general",
            ),
        ),
        ItemSpec(
            "responding_authority",
            ItemKind.TEXT,
            "text",
            tr(
                "Name of the responding authority",
                "اسم السلطة المسؤولة عن الرد",
                "Nom de l'autorité qui répond",
                "Nombre de la autoridad que responde",
            ),
            parent="sec_general",
            required=True,
        ),
        ItemSpec(
            "answer_date",
            ItemKind.DATE,
            "date",
            tr(
                "Date of the answers",
                "تاريخ الردود",
                "Date des réponses",
                "Fecha de las respuestas",
            ),
            parent="sec_general",
        ),
        ItemSpec(
            "cases_prosecuted",
            ItemKind.INTEGER,
            "integer",
            tr(
                "Number of cases of transnational organized crime prosecuted in the reporting "
                "period",
                "عدد قضايا الجريمة المنظمة عبر الوطنية التي جرت الملاحقة القضائية بشأنها خلال "
                "فترة الإبلاغ",
                "Nombre d'affaires de criminalité transnationale organisée ayant donné lieu à "
                "des poursuites pendant la période considérée",
                "Número de casos de delincuencia organizada transnacional enjuiciados durante "
                "el período que abarca el informe",
            ),
            parent="sec_general",
            constraint=". >= 0",
            constraint_message=tr(
                "Enter a number of zero or more.",
                "يرجى إدخال عدد يساوي صفراً أو أكثر.",
                "Veuillez saisir un nombre égal ou supérieur à zéro.",
                "Introduzca un número igual o superior a cero.",
            ),
        ),
        ItemSpec(
            "legislation_file",
            ItemKind.FILE,
            "file",
            tr(
                "Text of the relevant legislation",
                "نص التشريعات ذات الصلة",
                "Texte de la législation pertinente",
                "Texto de la legislación pertinente",
            ),
            hint=tr(
                "Attach the text of the laws cited in your answers, in any official language.",
                "يرجى إرفاق نص القوانين المشار إليها في ردودكم، بأي لغة رسمية.",
                "Joignez le texte des lois citées dans vos réponses, dans l'une quelconque des "
                "langues officielles.",
                "Adjunte el texto de las leyes citadas en sus respuestas, en cualquiera de los "
                "idiomas oficiales.",
            ),
            parent="sec_general",
        ),
    ]
    for section in SECTIONS:
        article = articles[(section.instrument, section.number)]
        inst = article.instrument
        p, n, group = section.prefix, section.number, f"sec_{section.prefix}"
        specs.append(
            ItemSpec(
                group,
                ItemKind.GROUP,
                "begin_group",
                tr(
                    f"{inst.short_name_en}, article {n}: {article.title_en}",
                    f"{inst.short_name_ar}، المادة {n}: {article.title_ar}",
                    f"{inst.short_name_fr}, article {n} : {section.title_fr}",
                    f"{inst.short_name_es}, artículo {n}: {section.title_es}",
                ),
                article=article,
            )
        )
        status = f"{p}_status"
        specs += [
            ItemSpec(
                status,
                ItemKind.STATUS,
                "select_one status",
                _status_question(section, article),
                hint=STATUS_HINT,
                parent=group,
                required=True,
                choice_list="status",
                role=ItemRole.STATUS,
            ),
            ItemSpec(
                f"{p}_explanation",
                ItemKind.TEXT,
                "text",
                EXPLANATION,
                parent=group,
                relevant=f"${{{status}}} != 'yes'",
                role=ItemRole.EXPLANATION,
            ),
        ]
        for k in range(1, (article.paragraph_count or 0) + 1 if paragraphs else 1):
            pstatus = f"{p}_p{k}_status"
            specs += [
                ItemSpec(
                    pstatus,
                    ItemKind.STATUS,
                    "select_one status",
                    tr(
                        f"Article {n}, paragraph {k}: has your State implemented this paragraph "
                        f"in its domestic law?",
                        f"المادة {n}، الفقرة {k}: هل نفَّذت دولتكم هذه الفقرة في قانونها الداخلي؟",
                        f"Article {n}, paragraphe {k} : votre État a-t-il appliqué ce "
                        f"paragraphe dans son droit interne ?",
                        f"Artículo {n}, párrafo {k}: ¿ha aplicado su Estado este párrafo en su "
                        f"derecho interno?",
                    ),
                    parent=group,
                    choice_list="status",
                    article=article,
                    paragraph=k,
                    role=ItemRole.STATUS,
                ),
                ItemSpec(
                    f"{p}_p{k}_explanation",
                    ItemKind.TEXT,
                    "text",
                    tr(
                        f"Article {n}, paragraph {k}: please describe the measures still needed.",
                        f"المادة {n}، الفقرة {k}: يرجى بيان التدابير التي لا تزال لازمة.",
                        f"Article {n}, paragraphe {k} : veuillez décrire les mesures qui "
                        f"restent à prendre.",
                        f"Artículo {n}, párrafo {k}: sírvase describir las medidas que aún se "
                        f"necesitan.",
                    ),
                    parent=group,
                    relevant=f"${{{pstatus}}} != 'yes'",
                    article=article,
                    paragraph=k,
                    role=ItemRole.EXPLANATION,
                ),
            ]
        needed = f"{p}_ta_needed"
        specs += [
            ItemSpec(
                f"{p}_challenges",
                ItemKind.TEXT,
                "text",
                CHALLENGES,
                parent=group,
                role=ItemRole.CHALLENGES,
            ),
            ItemSpec(
                needed,
                ItemKind.SELECT_ONE,
                "select_one yes_no",
                TA_NEEDED,
                parent=group,
                choice_list="yes_no",
                role=ItemRole.TA_NEEDED,
            ),
            ItemSpec(
                f"{p}_ta_kinds",
                ItemKind.SELECT_MULTIPLE,
                "select_multiple ta_kinds",
                TA_KINDS,
                hint=TA_KINDS_HINT,
                parent=group,
                relevant=f"${{{needed}}} = 'yes'",
                choice_list="ta_kinds",
                role=ItemRole.TA_KINDS,
            ),
            ItemSpec(
                f"{p}_ta_priority",
                ItemKind.SELECT_ONE,
                "select_one priority",
                TA_PRIORITY,
                parent=group,
                relevant=f"${{{needed}}} = 'yes'",
                choice_list="priority",
                role=ItemRole.TA_PRIORITY,
            ),
        ]
    return specs


def _questionnaire(
    ctx: DemoContext, cycle: Cycle, articles: dict[tuple[str, int], Article]
) -> Questionnaire:
    rc, created = ReportingCycle.objects.get_or_create(
        number=cycle.number,
        defaults={"name": cycle.name, "starts_on": cycle.starts_on, "ends_on": cycle.ends_on},
    )
    ctx.count("reporting_cycles", int(created))
    o = cycle.ordinal
    code = f"demo-cycle{cycle.number}-untoc"
    questionnaire = Questionnaire.objects.filter(code=code).first()
    created = questionnaire is None
    if questionnaire is None:
        questionnaire = Questionnaire(
            code=code,
            cycle=rc,
            title=tr(
                "Questionnaire on the implementation of the United Nations Convention against "
                f"Transnational Organized Crime and the Protocols thereto: {o['en']} reporting "
                "cycle (illustrative)",
                "استبيان بشأن تنفيذ اتفاقية الأمم المتحدة لمكافحة الجريمة المنظمة عبر الوطنية "
                f"والبروتوكولات الملحقة بها: دورة الإبلاغ {o['ar']} (توضيحي)",
                "Questionnaire sur l'application de la Convention des Nations Unies contre la "
                "criminalité transnationale organisée et des Protocoles s'y rapportant : "
                f"{o['fr']} cycle de rapport (fictif)",
                "Cuestionario sobre la aplicación de la Convención de las Naciones Unidas "
                f"contra la Delincuencia Organizada Transnacional y sus Protocolos: {o['es']} "
                "ciclo de presentación de informes (ilustrativo)",
            ),
            status=cycle.status,
            default_language="en",
            languages=LANGUAGES,
            form_id=f"demo_cycle{cycle.number}_untoc",
            version=f"{cycle.starts_on.year}0101",
            created_by=ctx.users.get("secretariat"),
            is_demo=True,
        )
        with one_version(questionnaire):  # its instruments in its first version, not a second
            questionnaire.save()
            questionnaire.instruments.set(Instrument.objects.filter(code__in=INSTRUMENTS))
    ctx.count("questionnaires", int(created))
    lists = _choice_lists(ctx, questionnaire)
    specs = questionnaire_specs(articles, paragraphs=ctx.scale == "world")
    _sync_items(ctx, questionnaire, specs, lists)
    return questionnaire


def _choice_lists(ctx: DemoContext, questionnaire: Questionnaire) -> dict[str, ChoiceList]:
    lists: dict[str, ChoiceList] = {}
    for name, choices in CHOICE_LISTS.items():
        lists[name], _created = ChoiceList.objects.get_or_create(
            questionnaire=questionnaire, name=name
        )
        have = set(lists[name].choices.values_list("name", flat=True))
        new = [
            Choice(choice_list=lists[name], position=position, name=value, label=label)
            for position, (value, label) in enumerate(choices, start=1)
            if value not in have
        ]
        Choice.objects.bulk_create(new)
        ctx.count("choices", len(new))
    return lists


def _sync_items(
    ctx: DemoContext,
    questionnaire: Questionnaire,
    specs: list[ItemSpec],
    lists: dict[str, ChoiceList],
) -> None:
    """Create the missing rows; existing rows keep their content but move to their new row
    number when rows are inserted (a world run after a small one)."""
    existing = {item.name: item for item in questionnaire.items.all()}
    missing = [spec for spec in specs if spec.name not in existing]
    if not missing:
        return
    rows = {spec.name: row for row, spec in enumerate(specs, start=1)}
    if existing:
        offset = max(item.position for item in existing.values()) + len(specs) + 1
        questionnaire.items.update(position=F("position") + offset)
        moved = [item for name, item in existing.items() if name in rows]
        for item in moved:
            item.position = rows[item.name]
        Item.objects.bulk_update(moved, ["position"])
    by_name = dict(existing)
    for groups in (True, False):  # sections first, so that their rows can be parents
        batch = [
            Item(
                questionnaire=questionnaire,
                parent=by_name[spec.parent] if spec.parent else None,
                position=rows[spec.name],
                kind=spec.kind,
                xlsform_type=spec.xlsform_type,
                name=spec.name,
                label=spec.label,
                hint=spec.hint,
                required=spec.required,
                relevant=spec.relevant,
                constraint=spec.constraint,
                constraint_message=spec.constraint_message,
                choice_list=lists[spec.choice_list] if spec.choice_list else None,
                article=spec.article,
                paragraph=spec.paragraph,
                role=spec.role,
            )
            for spec in missing
            if (spec.kind == ItemKind.GROUP) == groups
        ]
        for item in Item.objects.bulk_create(batch):
            by_name[item.name] = item
        ctx.count("items", len(batch))


# --- Dispatch and answers ---------------------------------------------------------------

RESPONSE_RATE: dict[str, float] = {
    RegionalGroup.WEOG: 0.85,
    RegionalGroup.EASTERN_EUROPEAN: 0.75,
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: 0.60,
    RegionalGroup.ASIA_PACIFIC: 0.50,
    RegionalGroup.AFRICAN: 0.40,
}
# How far a group's implementation is from the average (illustrative, not a finding).
IMPLEMENTATION_SHIFT: dict[str, float] = {
    RegionalGroup.WEOG: 0.15,
    RegionalGroup.EASTERN_EUROPEAN: 0.10,
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: 0.0,
    RegionalGroup.ASIA_PACIFIC: -0.05,
    RegionalGroup.AFRICAN: -0.10,
}
BASE_YES = {"easy": 0.78, "medium": 0.55, "hard": 0.30}
TA_WEIGHTS: dict[str, dict[str, float]] = {
    "easy": {
        AssistanceKind.LEGISLATIVE: 5,
        AssistanceKind.MODEL_LEGISLATION: 3,
        AssistanceKind.TRAINING: 2,
        AssistanceKind.GOOD_PRACTICES: 1,
    },
    "medium": {
        AssistanceKind.LEGISLATIVE: 3,
        AssistanceKind.TRAINING: 3,
        AssistanceKind.INSTITUTION_BUILDING: 2,
        AssistanceKind.GOOD_PRACTICES: 2,
        AssistanceKind.ONSITE_EXPERT: 1,
        AssistanceKind.ACTION_PLAN: 1,
        AssistanceKind.MODEL_LEGISLATION: 1,
    },
    "hard": {
        AssistanceKind.TRAINING: 4,
        AssistanceKind.TECHNOLOGY: 3,
        AssistanceKind.INSTITUTION_BUILDING: 2,
        AssistanceKind.ONSITE_EXPERT: 2,
        AssistanceKind.LEGISLATIVE: 1,
        AssistanceKind.ACTION_PLAN: 1,
        AssistanceKind.OTHER: 0.5,
    },
}
EXPLANATIONS = (
    "Illustrative answer: draft amendment to the penal code under discussion.",
    "Illustrative answer: existing provisions cover only part of the conduct required.",
    "Illustrative answer: implementing regulations have not yet been adopted.",
    "Illustrative answer: an inter-ministerial working group is reviewing the legislation.",
    "Illustrative answer: general provisions apply; no specific measures have been taken.",
    "Illustrative answer: a bill has been prepared and awaits approval by the cabinet.",
)
NOT_APPLICABLE = "Illustrative answer: not applicable under the domestic legal system."
CHALLENGE_TEXTS = (
    "Illustrative answer: limited specialized training for investigators and prosecutors.",
    "Illustrative answer: insufficient coordination between the competent authorities.",
    "Illustrative answer: lack of resources and equipment.",
    "Illustrative answer: difficulties in obtaining evidence from other States.",
    "Illustrative answer: limited capacity for legislative drafting.",
    "Illustrative answer: high turnover of trained staff.",
)
AUTHORITIES = (
    "Illustrative answer: Ministry of Justice, Department of International Cooperation",
    "Illustrative answer: Office of the Attorney General",
    "Illustrative answer: Ministry of the Interior, Directorate of Criminal Investigation",
    "Illustrative answer: Ministry of Foreign Affairs, Legal Department",
)
CYCLE_1_DEADLINE = date(2006, 6, 30)
CYCLE_2_DAYS_LEFT = 60
FOCAL_POINT_STATES = {"EGY": "focal.egypt", "SEN": "focal.senegal"}


@dataclass
class Plan:
    """What one State does with one questionnaire."""

    status: str
    submitted_at: datetime | None = None
    validated_at: datetime | None = None
    answers: list[tuple[str, Any, bool]] = field(default_factory=list)  # name, value, conf.


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _assignment_status(rng: random.Random, state: State, cycle: int, scale: str) -> str:
    rate = RESPONSE_RATE.get(state.regional_group, 0.5)
    S = AssignmentStatus
    if cycle == 1:
        if rng.random() < rate:
            return _pick(rng, {S.VALIDATED: 0.88, S.SUBMITTED: 0.12})
        if scale == "world":  # every State has answers at world scale
            return _pick(rng, {S.RETURNED: 0.4, S.IN_PROGRESS: 0.6})
        return _pick(rng, {S.RETURNED: 0.1, S.IN_PROGRESS: 0.2, S.NOT_STARTED: 0.7})
    if state.iso3 in FOCAL_POINT_STATES:
        return S.IN_PROGRESS  # the focal-point demo logins have something to answer
    if scale == "world":  # the open cycle: some answers already validated
        draw = rng.random()
        if draw < 0.3 * rate:
            return S.VALIDATED
        return S.SUBMITTED if draw < 0.6 * rate else S.IN_PROGRESS
    if rng.random() < 0.3 * rate:  # the open cycle: a few early submissions
        return S.SUBMITTED
    return _pick(rng, {S.IN_PROGRESS: 0.35, S.NOT_STARTED: 0.65})


def _article_status(rng: random.Random, section: Section, capacity: float, cycle: int) -> str:
    p_yes = BASE_YES[section.difficulty] + capacity + 0.07 * (cycle - 1)
    p_yes = min(0.95, max(0.05, p_yes))
    if section.offence is None and rng.random() < 0.02:
        return "na"
    if rng.random() < p_yes:
        return "yes"
    return "partly" if rng.random() < 0.6 else "no"


def _paragraph_status(rng: random.Random, article_status: str) -> str:
    if article_status == "na":
        return "na"
    weights = {
        "yes": {"yes": 0.95, "partly": 0.05},
        "partly": {"yes": 0.4, "partly": 0.3, "no": 0.3},
        "no": {"no": 0.8, "partly": 0.2},
    }[article_status]
    return _pick(rng, weights)


def _section_answers(
    rng: random.Random,
    section: Section,
    article: Article,
    *,
    capacity: float,
    cycle: int,
    party: bool,
    paragraphs: bool,
    confidential: bool,
) -> list[tuple[str, Any, bool]]:
    p = section.prefix
    if not party:  # a State not bound by the Protocol says so and stops there
        return [(f"{p}_status", "na", False), (f"{p}_explanation", NOT_APPLICABLE, False)]
    status = _article_status(rng, section, capacity, cycle)
    out: list[tuple[str, Any, bool]] = [(f"{p}_status", status, False)]
    if status == "na":
        out.append((f"{p}_explanation", NOT_APPLICABLE, False))
    elif status != "yes":
        out.append((f"{p}_explanation", rng.choice(EXPLANATIONS), False))
    if paragraphs:
        for k in range(1, (article.paragraph_count or 0) + 1):
            pstatus = _paragraph_status(rng, status)
            out.append((f"{p}_p{k}_status", pstatus, False))
            if pstatus in ("partly", "no"):
                out.append((f"{p}_p{k}_explanation", rng.choice(EXPLANATIONS), False))
    if status == "na":
        return out
    if status != "yes" or rng.random() < 0.15:
        out.append((f"{p}_challenges", rng.choice(CHALLENGE_TEXTS), confidential))
    p_need = {"no": 0.8, "partly": 0.6, "yes": 0.08}[status]
    if rng.random() >= p_need:
        out.append((f"{p}_ta_needed", "no", False))
        return out
    out.append((f"{p}_ta_needed", "yes", False))
    weights = dict(TA_WEIGHTS[section.difficulty])
    kinds: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        kind = _pick(rng, weights)
        weights.pop(kind)
        kinds.append(AssistanceKind(kind).value)
    order = list(AssistanceKind.values)
    out.append((f"{p}_ta_kinds", sorted(kinds, key=order.index), False))
    high, medium, low = Priority.HIGH.value, Priority.MEDIUM.value, Priority.LOW.value
    priority = {
        "no": {high: 0.6, medium: 0.3, low: 0.1},
        "partly": {high: 0.3, medium: 0.5, low: 0.2},
        "yes": {medium: 0.4, low: 0.6},
    }[status]
    out.append((f"{p}_ta_priority", _pick(rng, priority), False))
    return out


def plan_for(
    *,
    seed: int,
    scale: str,
    cycle: Cycle,
    state: State,
    bound_by: set[str],
    articles: dict[tuple[str, int], Article],
) -> Plan:
    """Deterministic for (seed, scale, cycle, State)."""
    rng = random.Random(f"infobase-demo:{seed}:{scale}:{cycle.number}:{state.iso3}")
    # A State's capacity persists across cycles, so cycle 2 looks like an improvement.
    state_rng = random.Random(f"infobase-demo:{seed}:capacity:{state.iso3}")
    capacity = 0.3 * (state_rng.random() - 0.5) + IMPLEMENTATION_SHIFT.get(state.regional_group, 0)
    plan = Plan(status=_assignment_status(rng, state, cycle.number, scale))
    S = AssignmentStatus
    if plan.status == S.NOT_STARTED:
        return plan
    answered = plan.status in (S.SUBMITTED, S.VALIDATED, S.RETURNED)
    start = cycle.dispatched_at + timedelta(days=rng.randint(20, 200))
    if answered:
        plan.submitted_at = start + timedelta(days=rng.randint(5, 60))
        if cycle.number == 2:  # keep the open cycle's submissions in the past
            plan.submitted_at = min(plan.submitted_at, cycle.dispatched_at + timedelta(days=300))
    if plan.status == S.VALIDATED and plan.submitted_at:
        plan.validated_at = plan.submitted_at + timedelta(days=rng.randint(7, 45))
    sections = len(SECTIONS) if answered else rng.randint(1, len(SECTIONS) - 1)
    day = (plan.submitted_at or start).date()
    plan.answers += [
        ("responding_authority", rng.choice(AUTHORITIES), False),
        ("answer_date", day.isoformat(), False),
        ("cases_prosecuted", min(2000, int(rng.paretovariate(1.2) * 5) - 5), False),
    ]
    confidential = rng.random() < 0.06  # a few States keep their challenges confidential
    for section in SECTIONS[:sections]:
        plan.answers += _section_answers(
            rng,
            section,
            articles[(section.instrument, section.number)],
            capacity=capacity,
            cycle=cycle.number,
            party=section.instrument in bound_by,
            paragraphs=scale == "world",
            confidential=confidential and rng.random() < 0.5,
        )
    return plan


def _bound_by(on: date) -> dict[int, set[str]]:
    """State pk → codes of the instruments it had signed or consented to on ``on``."""
    out: dict[int, set[str]] = {}
    rows = Participation.objects.filter(instrument__code__in=INSTRUMENTS).values_list(
        "state_id", "instrument__code", "signature_date", "consent_date"
    )
    for state_id, code, signed, consented in rows:
        if (signed and signed <= on) or (consented and consented <= on):
            out.setdefault(state_id, set()).add(code)
    return out


def _recipients(questionnaire: Questionnaire, cycle: Cycle, scale: str) -> tuple[list[State], date]:
    """The parties and signatories when the cycle's answers were due, and that date; at world
    scale, every State."""
    on = cycle.recipients_on
    states = services.recipients_on(questionnaire=questionnaire, on=on)
    if len(states) < 100:  # the participation data is a 2014 snapshot
        on = date(2014, 12, 31)
        states = services.recipients_on(questionnaire=questionnaire, on=on)
    if scale == "world":
        states = list(State.objects.order_by("iso3"))
    return states, on


def _dispatch_and_answer(
    ctx: DemoContext,
    questionnaire: Questionnaire,
    cycle: Cycle,
    articles: dict[tuple[str, int], Article],
) -> None:
    states, on = _recipients(questionnaire, cycle, ctx.scale)
    have = set(questionnaire.assignments.values_list("state_id", flat=True))
    new_states = [s for s in states if s.pk not in have]
    if not new_states:
        return
    bound = _bound_by(on)
    if cycle.number == 1:
        deadline = CYCLE_1_DEADLINE
    else:
        deadline = timezone.localdate() + timedelta(days=CYCLE_2_DAYS_LEFT)
    plans = {
        s.pk: plan_for(
            seed=ctx.seed,
            scale=ctx.scale,
            cycle=cycle,
            state=s,
            # At world scale a State not yet bound answers as if it were (illustrative).
            bound_by=bound.get(s.pk) or (set(INSTRUMENTS) if ctx.scale == "world" else set()),
            articles=articles,
        )
        for s in new_states
    }
    assignments = [
        Assignment(
            questionnaire=questionnaire,
            state=s,
            status=plans[s.pk].status,
            deadline=deadline,
            dispatched_at=cycle.dispatched_at,
            submitted_at=plans[s.pk].submitted_at,
            validated_at=plans[s.pk].validated_at,
        )
        for s in new_states
    ]
    assignments = bulk_create_with_history(
        assignments, Assignment, default_change_reason="Illustrative demo data"
    )
    ctx.count("assignments", len(assignments))
    items = {item.name: item.pk for item in questionnaire.items.all()}
    users = {iso3: ctx.users.get(name) for iso3, name in FOCAL_POINT_STATES.items()}
    answers = [
        Answer(
            assignment=assignment,
            item_id=items[name],
            value=value,
            confidential=confidential,
            version=1,
            updated_by=users.get(assignment.state.iso3),
        )
        for assignment in assignments
        for name, value, confidential in plans[assignment.state_id].answers
    ]
    Answer.objects.bulk_create(answers, batch_size=2000)
    ctx.count("answers", len(answers))
    statuses = needs = 0
    for assignment in assignments:
        if assignment.status == AssignmentStatus.VALIDATED:
            s, n = services.derive(assignment=assignment)
            statuses, needs = statuses + s, needs + n
    ctx.count("article_statuses", statuses)
    ctx.count("stated_needs", needs)


def _articles() -> dict[tuple[str, int], Article]:
    wanted = {(s.instrument, s.number) for s in SECTIONS}
    rows = Article.objects.filter(instrument__code__in=INSTRUMENTS).select_related("instrument")
    return {
        (a.instrument.code, a.number): a for a in rows if (a.instrument.code, a.number) in wanted
    }


@demo_contributor(order=40)
def questionnaires(ctx: DemoContext) -> None:
    articles = _articles()
    for cycle in CYCLES:
        questionnaire = _questionnaire(ctx, cycle, articles)
        _dispatch_and_answer(ctx, questionnaire, cycle, articles)
