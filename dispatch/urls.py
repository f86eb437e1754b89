from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("hent-status/", views.poll_now, name="poll-now"),
    path("brev/<int:pk>/", views.letter_page, name="letter"),
    path("brev/<int:pk>/papir/", views.choose_print, name="choose-print"),
    path("utskrift/<int:pk>/", views.print_file_download, name="print-file"),
]
