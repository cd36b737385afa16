import os

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

app = Starlette()
# Unset (as the shared server runs it), the list falls back to ['*']; the test also serves it with the variable set.
app.add_middleware(
    CORSMiddleware,
    allow_origins=os.environ.get("CORS_LINT_TRUTH_ORIGINS", "*").split(","),
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
