import logging
import os
import signal
import sys

from flask import Flask

logging.basicConfig(stream=sys.stdout, level=logging.INFO)
app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
DATABASE_URL = os.environ["DATABASE_URL"]


@app.get("/healthz")
def health():
    return "ok"


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
