import os

from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
# Unset (as the shared server runs it), origins falls back to '*'; the test also serves it with the variable set.
origins = os.getenv("CORS_LINT_TRUTH_ORIGINS") or "*"
CORS(app, origins=origins, supports_credentials=True)
