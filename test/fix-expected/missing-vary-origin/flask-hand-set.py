from flask import Flask, request

app = Flask(__name__)
ALLOWED = {"https://a.example.com", "https://b.example.com"}


@app.after_request
def add_cors(response):
    origin = request.headers.get("Origin")
    if origin in ALLOWED:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response
