import os

from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
CORS(
    app,
    origins="*",
    supports_credentials=True,
    methods=["GET", "PUT"],
    allow_headers=os.environ["CORS_LINT_TRUTH_HEADERS"].split(","),
    expose_headers=os.environ["CORS_LINT_TRUTH_EXPOSE"],
    max_age=os.environ["CORS_LINT_TRUTH_MAX_AGE"],
)
