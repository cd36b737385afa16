from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
CORS(app, resources={r"/r": {"origins": ["https://app.example.com", "null"], "supports_credentials": True}})
