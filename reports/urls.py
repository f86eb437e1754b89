"""Reports keep their files on the shared Job row (housing_office.Job)."""

from django.urls import path, re_path

from register_import import views as import_views

from . import stock_views, views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    re_path(r"^eksport\.(?P<fmt>csv|xlsx)$", views.dashboard_export, name="dashboard-export"),
    path("boligmasse/", stock_views.stock_plan, name="stock-plan"),
    path("boligmasse/boligplan/", stock_views.stock_plan_publish, name="stock-plan-publish"),
    path("arsrapporter/", views.report_list, name="report-list"),
    path("arsrapporter/ny/", views.report_create, name="report-create"),
    path("arsrapporter/<int:pk>/", views.report_detail, name="report-detail"),
    path("arsrapporter/<int:pk>/last-ned/", views.report_download, name="report-download"),
    # The register import lives in its own app; its pages keep these URLs and names.
    path("import/", import_views.import_start, name="import"),
    path("import/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("import/<int:pk>/bekreft/", import_views.import_confirm, name="import-confirm"),
    path("import/<int:pk>/feil.txt", import_views.import_errors, name="import-errors"),
]
