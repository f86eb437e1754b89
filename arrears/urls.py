from django.urls import path

from . import import_views, views

app_name = "arrears"
urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("leieforhold/<int:tenancy_pk>/ny/", views.case_open, name="case-open"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/steg/<slug:step>/", views.case_step, name="case-step"),
    path("import/", import_views.import_start, name="import"),
    path("import/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("import/<int:pk>/bekreft/", import_views.import_confirm, name="import-confirm"),
]
