MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]
# django-cors-headers uses re.match: the start is anchored, the end is not.
# cors-lint-expect: origin-regex-unanchored@32
CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.com$"]
CORS_ALLOW_CREDENTIALS = True
