from django.urls import path

from . import views

app_name = "dwellings"
urlpatterns = [
    path("", views.dwelling_list, name="dwelling-list"),
    path("ledige/", views.vacancy_list, name="vacancy-list"),
    path("ny/", views.dwelling_create, name="dwelling-create"),
    path("<int:pk>/", views.dwelling_detail, name="dwelling-detail"),
    path("<int:pk>/endre/", views.dwelling_edit, name="dwelling-edit"),
    path("<int:pk>/kjop-og-salg/", views.stock_change, name="stock-change"),
    path("<int:pk>/for-salg/", views.dwelling_for_sale, name="dwelling-for-sale"),
    path("leieforhold/ny/", views.tenancy_create, name="tenancy-create"),
    path("leieforhold/<int:pk>/avslutt/", views.tenancy_end, name="tenancy-end"),
    path("leieforhold/<int:pk>/leietaker-kjoper/", views.sale_to_tenant, name="sale-to-tenant"),
]
