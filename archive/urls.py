from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("husstand/<int:pk>/", views.case_file, name="case-file"),
    path("dokument/<int:pk>/", views.document_download, name="document-download"),
    path("offentlig-journal/", views.public_journal_page, name="public-journal"),
    path("arkivuttrekk/", views.extraction_page, name="extraction"),
]
