from starlette.applications import Starlette
from starlette.middleware import cors

app = Starlette()
app.add_middleware(cors.CORSMiddleware, allow_origin_regex=r"https://.*\.example\.com", allow_credentials=True, allow_methods=["PUT", "DELETE"])
