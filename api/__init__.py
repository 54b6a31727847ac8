"""The ranked-shortlist service: FastAPI over the matcher library, with prospects kept in a database."""
