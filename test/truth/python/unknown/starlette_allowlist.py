import os

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

app = Starlette()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com", "https://admin.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "PUT"],
    allow_headers=["X-Token"],
    expose_headers=os.environ["CORS_LINT_TRUTH_EXPOSE"].split(","),
    max_age=int(os.environ["CORS_LINT_TRUTH_MAX_AGE"]),
)
