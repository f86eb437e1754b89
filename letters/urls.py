from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("maler/", views.template_list, name="template-list"),
    path("maler/<int:pk>/", views.template_edit, name="template-edit"),
    path("maler/<int:pk>/forhandsvisning/", views.template_preview, name="template-preview"),
    path("innkalling/ny/", views.summons_new, name="summons-new"),
    path("innkallinger/", views.batch_list, name="batch-list"),
    path("innkallinger/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("innkallinger/<int:pk>/prov-igjen/", views.batch_retry, name="batch-retry"),
    path("innkallinger/<int:pk>/utskrift/", views.batch_print, name="batch-print"),
    path("<int:pk>/pdf/", views.letter_download, name="letter-download"),
]
