"""Reports keep their files on the shared Job row (housing_office.Job)."""

from django.urls import path, re_path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    re_path(r"^eksport\.(?P<fmt>csv|xlsx)$", views.dashboard_export, name="dashboard-export"),
    path("arsrapporter/", views.report_list, name="report-list"),
    path("arsrapporter/ny/", views.report_create, name="report-create"),
    path("arsrapporter/<int:pk>/", views.report_detail, name="report-detail"),
    path("arsrapporter/<int:pk>/last-ned/", views.report_download, name="report-download"),
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/bekreft/", views.import_confirm, name="import-confirm"),
    path("import/<int:pk>/feil.txt", views.import_errors, name="import-errors"),
]
