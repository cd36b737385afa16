from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

CORS_CONFIG = {
    "allow_origins": ["https://app.example.com"],
    "allow_origin_regex": r"https://[a-z]+\.example\.org",
    "allow_credentials": True,
    "allow_methods": ["GET", "PUT", "DELETE"],
}

app = Starlette()
app.add_middleware(CORSMiddleware, **CORS_CONFIG, allow_headers=["X-Token"])
