from django.urls import path

from . import views

app_name = "decisions"
urlpatterns = [
    path("", views.decision_list, name="decision-list"),
    path("husstand/<int:household_pk>/", views.household_decisions, name="household-decisions"),
    path("husstand/<int:household_pk>/nytt/", views.draft_create, name="draft-create"),
    path("<int:pk>/", views.decision_detail, name="decision-detail"),
    path("<int:pk>/fatt/", views.decision_decide, name="decision-decide"),
    path("<int:pk>/klage/", views.complaint_create, name="complaint-create"),
    path("klager/", views.complaint_list, name="complaint-list"),
    path("klager/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path("klager/<int:pk>/vurdering/", views.complaint_review, name="complaint-review"),
    path("klager/<int:pk>/klageinstans/", views.complaint_appeal_outcome, name="complaint-appeal-outcome"),
    path("innstillinger/", views.kind_settings, name="kind-settings"),
]
