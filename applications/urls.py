from django.urls import path

from . import decision_views, views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("ny/", views.application_create, name="create"),
    path("venteliste/", views.waiting_list_page, name="waiting-list"),
    path("bolig/<int:dwelling_pk>/", views.dwelling_fit, name="dwelling-fit"),
    path("tilbud/<int:pk>/", views.offer_answer, name="offer-answer"),
    path("kriterier/", views.criteria, name="criteria"),
    path("kriterier/<int:pk>/", views.criteria, name="criterion-edit"),
    path("dokumentkrav/", views.documents, name="documents"),
    path("dokumentkrav/<int:pk>/", views.documents, name="document-edit"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/endre/", views.application_edit, name="edit"),
    path("<int:pk>/forelopig-svar/", views.provisional_reply, name="provisional-reply"),
    path("<int:pk>/forelopig-svar/standard/", views.quick_provisional_reply, name="quick-provisional-reply"),
    path("<int:pk>/trekk/", views.withdraw, name="withdraw"),
    path("<int:pk>/tilbud/", views.make_offer, name="make-offer"),
    path("<int:pk>/vedtak/", decision_views.draft, name="draft-decision"),
    path("<int:pk>/vedtak/fatt/", decision_views.decide, name="decide"),
]
