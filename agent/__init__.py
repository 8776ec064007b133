"""ACA-Py, run properly: launch configs per role, the process supervisor, the offline-contexts plugin and
the one async admin-API client both controllers use."""
