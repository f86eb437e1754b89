from django.urls import path

from . import views

app_name = "followup"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("innstillinger/", views.settings_page, name="settings"),
    path("husstand/<int:household_pk>/ny-plan/", views.plan_create, name="plan-create"),
    path("plan/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plan/<int:pk>/endre/", views.plan_edit, name="plan-edit"),
    path("plan/<int:pk>/kontakt/", views.contact_add, name="contact-add"),
    path("plan/<int:pk>/tiltak/", views.action_add, name="action-add"),
    path("tiltak/<int:pk>/utfort/", views.action_done, name="action-done"),
    path("etter-kjop/<int:tenancy_pk>/", views.check_in, name="check-in"),
]
