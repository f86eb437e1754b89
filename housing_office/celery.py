"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered.

Start a worker with: celery -A housing_office worker -l info
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "housing_office.settings")

app = Celery("housing_office", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
