"""Reports keep their files on the shared Job row (housing_office.Job)."""
