from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
CORS(
    app,
    origins=["https://app.example.com", "https://admin.example.com"],
    methods=["GET", "PUT"],
    allow_headers=["X-Token", "Content-Type"],
    expose_headers=["X-Total"],
    max_age=600,
)
