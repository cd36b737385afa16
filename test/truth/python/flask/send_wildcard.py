from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
CORS(app, send_wildcard=True, methods="GET, PUT")
