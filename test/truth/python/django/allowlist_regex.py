CORS_ALLOWED_ORIGINS = [
    "https://app.example.com",
    "https://admin.example.com/",
]
CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.org"]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = ["GET", "PUT"]
CORS_ALLOW_HEADERS = ["x-token", "content-type"]
CORS_PREFLIGHT_MAX_AGE = 0
