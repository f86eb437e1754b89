from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve

from . import views
from .forms import LoginForm

admin.site.site_header = "Boligkontoret – administrasjon"
admin.site.site_title = "Boligkontoret"
admin.site.index_title = "Administrasjon"

urlpatterns = [
    path("", include("tenants.home")),
    path(
        "logg-inn/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("jobber/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobber/<int:pk>/fil/", views.job_download, name="job-download"),
    path("jobber/<int:pk>/start-pa-nytt/", views.job_restart, name="job-restart"),
    path("helse/", views.health, name="health"),
    path("husstander/", include("tenants.urls")),
    path("brev/", include("letters.urls")),
    path("arkiv/", include("archive.urls")),
    path("vedtak/", include("decisions.urls")),
    path("utsending/", include("dispatch.urls")),
    path("boliger/", include("dwellings.urls")),
    path("startlan/", include("startloan.urls")),
    path("soknader/", include("applications.urls")),
    path("restanser/", include("arrears.urls")),
    path("oppfolging/", include("followup.urls")),
    path("rapporter/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "housing_office.request_hygiene.bad_request"
handler500 = "housing_office.views.server_error"

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
