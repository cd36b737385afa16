from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

app = Starlette(
    middleware=[
        Middleware(CORSMiddleware, allow_origins=("null", "https://app.example.com"), allow_methods=["GET", "POST", "PUT"], allow_headers=["x-token"]),
    ]
)
