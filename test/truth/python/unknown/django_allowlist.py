import os

INSTALLED_APPS = ["corsheaders"]
MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"]
CORS_ALLOWED_ORIGINS = ["https://app.example.com", "https://admin.example.com"]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = os.environ["CORS_LINT_TRUTH_HEADERS"].split(",")
CORS_EXPOSE_HEADERS = os.environ["CORS_LINT_TRUTH_EXPOSE"].split(",")
CORS_PREFLIGHT_MAX_AGE = int(os.environ["CORS_LINT_TRUTH_MAX_AGE"])
