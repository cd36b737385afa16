from flask import Flask
from flask_cors import CORS


class BaseConfig:
    CORS_ORIGINS = ["https://app.example.com", "https://admin.example.com"]
    CORS_EXPOSE_HEADERS = ["X-Total"]


class Config(BaseConfig):
    CORS_SUPPORTS_CREDENTIALS = True
    CORS_MAX_AGE = 300


app = Flask(__name__)
app.config.from_object(Config)
CORS(app)
