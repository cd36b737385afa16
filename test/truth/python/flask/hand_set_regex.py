import re

from flask import Flask, request

app = Flask(__name__)
TRUSTED = ["example.com", ".example.org"]
PARTNER = re.compile(r"^https://admin\.example\.com")


@app.after_request
def add_cors(response):
    origin = request.headers.get("Origin", "")
    if any(origin.endswith(d) for d in TRUSTED) or PARTNER.match(origin) or re.search(r"x\.example", origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
    return response
