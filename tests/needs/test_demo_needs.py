from __future__ import annotations

import pytest

from infobase.demo.services import generate
from infobase.needs.models import (
    AssistanceRequest,
    LessonLearned,
    Need,
    NeedEvidence,
    WorkProgramme,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        AssistanceRequest.objects.count(),
        LessonLearned.objects.count(),
        Need.objects.count(),
        NeedEvidence.objects.count(),
        WorkProgramme.objects.count(),
    )


def test_the_demo_register_is_derived_from_the_demo_answers_and_requests_and_is_stable(
    demo_loaded: None,
):
    first = counts()
    assert first[0] == 7 and first[1] == 3 and first[2] > 100
    languages = set(AssistanceRequest.objects.values_list("language", flat=True))
    assert {"ar", "fr", "es"} <= languages
    assert NeedEvidence.objects.filter(request_line__isnull=False).exists()
    generate(scale="small", seed=1)
    assert counts() == first


def test_the_demo_leaves_every_need_with_its_stored_score_as_the_job_would(demo_loaded: None):
    """The register of a freshly loaded demo reads stored scores: its first page must not have
    to score every need (at world scale, tens of thousands)."""
    from infobase.needs.models import NeedScore
    from infobase.needs.score_table import need_scores_refresh

    assert Need.objects.count() > 100
    assert NeedScore.objects.count() == Need.objects.count()
    assert need_scores_refresh().written == 0  # what the demo stored is what a refresh stores
