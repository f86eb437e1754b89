from django.urls import path

from . import views

app_name = "arrears"
urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/steg/<slug:step>/", views.case_step, name="case-step"),
]
