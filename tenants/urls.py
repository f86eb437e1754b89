from django.urls import path

from . import audit_views, meeting_views, pathway_views, views

app_name = "tenants"
urlpatterns = [
    path("", views.household_list, name="household-list"),
    path("ny/", views.household_create, name="household-create"),
    path("<int:pk>/", views.household_detail, name="household-detail"),
    path("<int:pk>/endre/", views.household_edit, name="household-edit"),
    path("<int:pk>/fase/", views.household_stage, name="household-stage"),
    path("<int:pk>/notater/", views.journal_note_create, name="journal-note-create"),
    path("<int:pk>/logg/", audit_views.household_audit, name="household-audit"),
    path("<int:pk>/innsynslogg.csv", audit_views.household_access_log, name="household-access-log"),
    path("personer/<int:pk>/fodselsnummer/", views.person_national_id, name="person-national-id"),
    path("kandidater/", pathway_views.candidate_list, name="candidate-list"),
    path("lopet/", pathway_views.pathway_board, name="pathway-board"),
    path("lopet/<int:pk>/flytt/", pathway_views.pathway_board_move, name="pathway-board-move"),
    path("samtaler/", meeting_views.meeting_list, name="meeting-list"),
    path("samtaler/ny/", meeting_views.meeting_create, name="meeting-create"),
    path("samtaler/<int:pk>/", meeting_views.meeting_record, name="meeting-record"),
    path("samtaler/hindringer/", meeting_views.barrier_settings, name="barrier-settings"),
]
