# A scheme-less entry splits to an empty scheme and host, exactly as `null` does: null is let in.
CORS_ALLOWED_ORIGINS = ["https://app.example.com", "admin.example.com"]
CORS_ALLOW_CREDENTIALS = True
