import os

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

app = Starlette()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_headers=os.environ["CORS_LINT_TRUTH_HEADERS"].split(","),
    expose_headers=os.environ["CORS_LINT_TRUTH_EXPOSE"].split(","),
)
