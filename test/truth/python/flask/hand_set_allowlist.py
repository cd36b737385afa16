from flask import Flask, request

app = Flask(__name__)
ALLOWED = ("https://app.example.com", "https://admin.example.com")


@app.after_request
def add_cors_headers(response):
    origin = request.headers.get("Origin")
    if origin in ALLOWED:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, PUT, DELETE"
            response.headers["Access-Control-Allow-Headers"] = "X-Token"
    response.headers["Vary"] = "Origin"
    return response
