from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
app.config["CORS_ORIGINS"] = ["https://app.example.com"]
app.config.update(CORS_SUPPORTS_CREDENTIALS=True)
cors = CORS()
cors.init_app(app, vary_header=False)
