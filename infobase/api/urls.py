from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from infobase.api import views, views_exports, views_open, views_tokens
from infobase.api.docs import RedocView, docs_csp, redoc_bundle

router = SimpleRouter()
router.register("states", views.StateViewSet, basename="state")
router.register("instruments", views.InstrumentViewSet, basename="instrument")
router.register("articles", views.ArticleViewSet, basename="article")
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("questionnaires", views.QuestionnaireViewSet, basename="questionnaire")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("requests", views.RequestViewSet, basename="request")
router.register("lessons", views.LessonViewSet, basename="lesson")
router.register("needs", views.NeedViewSet, basename="need")
router.register("work-programmes", views.WorkProgrammeViewSet, basename="workprogramme")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("coverage-links", views.NeedLinkViewSet, basename="needlink")
router.register("pledges", views.PledgeViewSet, basename="pledge")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("mandates", views.MandateViewSet, basename="mandate")
router.register("report-runs", views.ReportRunViewSet, basename="reportrun")
router.register("exports", views_exports.ExportViewSet, basename="export")

open_router = SimpleRouter()
open_router.register("states", views_open.OpenStateViewSet, basename="open-state")
open_router.register("instruments", views_open.OpenInstrumentViewSet, basename="open-instrument")
open_router.register("articles", views_open.OpenArticleViewSet, basename="open-article")
open_router.register("activities", views_open.OpenActivityViewSet, basename="open-activity")
open_router.register("reports", views_open.OpenPublicationViewSet, basename="open-report")

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"
    ),
    path("redoc/", docs_csp(RedocView.as_view(url_name="api:schema")), name="redoc"),
    path("redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("open/needs/gaps/", views_open.OpenNeedsGaps.as_view(), name="open-needs-gaps"),
    path(
        "open/needs/by-article/",
        views_open.OpenNeedsByArticleAndGroup.as_view(),
        name="open-needs-by-article",
    ),
    path(
        "open/iati/activities.xml",
        views_open.OpenIatiActivities.as_view(),
        name="open-iati-activities",
    ),
    path("open/", include(open_router.urls)),
    *router.urls,
]

urlpatterns = [
    path("api/v1/", include((api_patterns, "api"))),
    path("accounts/tokens/", views_tokens.token_list, name="api_tokens"),
    path(
        "accounts/tokens/<int:pk>/revoke/", views_tokens.token_revoke_view, name="api_token_revoke"
    ),
]
