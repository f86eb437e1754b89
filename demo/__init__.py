"""The demo municipality that `manage.py seed_demo` builds.

This app is the one place that knows every other app: it fills a
municipality with dwellings, households, ten years of tenancies, casework
and start-loan applications, so that every page has something to show.
No other app imports it. `demo.seed.seed_demo` is the entry point.
"""
