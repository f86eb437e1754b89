from django.urls import path

from . import case_views, guidance_views, views

app_name = "startloan"
urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("ny/", views.application_create, name="application-create"),
    path("beregning/", views.assessment_preview, name="assessment-preview"),
    path("<int:pk>/", views.application_detail, name="application-detail"),
    path("<int:pk>/endre/", views.application_edit, name="application-edit"),
    path("<int:pk>/status/", views.application_status, name="application-status"),
    path("<int:pk>/innstilling/", views.application_recommend, name="application-recommend"),
    path("<int:pk>/vedtak/", views.application_decide, name="application-decide"),
    path("<int:pk>/utskrift/", views.application_pdf, name="application-pdf"),
    path("<int:pk>/vilkar/", case_views.application_eligibility, name="application-eligibility"),
    path("<int:pk>/dokumenter/", case_views.application_documents, name="application-documents"),
    path("<int:pk>/startskudd/", case_views.application_handoff, name="application-handoff"),
    path("sjekkliste/", case_views.document_kinds, name="document-kinds"),
    path("husstand/<int:household_pk>/okonomi/", guidance_views.household_economy, name="household-economy"),
    path(
        "husstand/<int:household_pk>/okonomi/nytt-budsjett/",
        guidance_views.budget_create,
        name="budget-create",
    ),
    path("eierskapsvakt/", guidance_views.readiness_list, name="readiness-list"),
    path("eierskapsvakt/kjor/", guidance_views.readiness_run, name="readiness-run"),
    path("satser/", views.parameters_list, name="parameters-list"),
    path("satser/nytt-ar/", views.parameters_create, name="parameters-create"),
    path("satser/<int:year>/", views.parameters_edit, name="parameters-edit"),
]
