from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

ORIGINS = ["https://app.example.com", "https://admin.example.com"]

app = Starlette()
app.add_middleware(
    CORSMiddleware,
    allow_origins=ORIGINS,
    allow_credentials=True,
    allow_methods=["GET", "PUT"],
    allow_headers=["X-Token"],
    expose_headers=["X-Total"],
    max_age=300,
)
