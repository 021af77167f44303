from django.urls import path

from infobase.questionnaires import views

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/import/", views.questionnaire_import, name="questionnaire_import"),
    path("questionnaires/<slug:code>/", views.questionnaire_detail, name="questionnaire_detail"),
    path(
        "questionnaires/<slug:code>/export/<str:fmt>/",
        views.questionnaire_export,
        name="questionnaire_export",
    ),
    path(
        "questionnaires/<slug:code>/dispatch/",
        views.questionnaire_dispatch,
        name="questionnaire_dispatch",
    ),
    path("questionnaires/<slug:code>/responses/", views.responses, name="questionnaire_responses"),
    path(
        "questionnaires/<slug:code>/submissions/",
        views.submissions_upload,
        name="submissions_upload",
    ),
    path("assignments/<int:pk>/", views.assignment_answer, name="assignment_answer"),
    path("assignments/<int:pk>/workbook/", views.workbook_download, name="workbook_download"),
    path("assignments/<int:pk>/workbook/upload/", views.workbook_upload, name="workbook_upload"),
    path("assignments/<int:pk>/review/", views.assignment_review, name="assignment_review"),
    path("assignments/<int:pk>/remind/", views.assignment_remind, name="assignment_remind"),
    path("answers/files/<int:pk>/", views.answer_file, name="answer_file"),
]
