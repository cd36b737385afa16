from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

app = Starlette()
# cors-lint-expect: origin-regex-unescaped-dot@55
app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://app\.example\.com")
