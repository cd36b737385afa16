from flask import Flask
from flask_cors import cross_origin

app = Flask(__name__)


@app.route("/r", methods=["GET", "PUT", "POST", "DELETE"])
@cross_origin(origins=["https://app.example.com"], supports_credentials=True, allow_headers=["x-token"])
def r():
    return "ok"
