CORS_ORIGIN_ALLOW_ALL = False
CORS_ORIGIN_WHITELIST = ("https://app.example.com", "null")
CORS_ORIGIN_REGEX_WHITELIST = (r"^https://[a-z]+\.example\.com$",)
