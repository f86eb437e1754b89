"""The register import: an office's dwellings, households and tenancies from
its spreadsheet exports (`manage.py import_register` and the leader's import
pages). Callers use `register_import.services`; this package imports nothing
so that Django can load it before the models are ready."""
