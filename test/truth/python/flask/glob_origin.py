from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
CORS(app, origins=["*.example.com", "https://admin.example.com"], supports_credentials=True)
