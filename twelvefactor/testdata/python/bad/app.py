import logging
import os
import subprocess

from flask import Flask, request

app = Flask(__name__)
SECRET_KEY = "s3cr3t-f1ask-v4lue"
sessions = {}
logging.basicConfig(filename="app.log", level=logging.INFO)
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://localhost/app")
app.config["UPLOAD_FOLDER"] = "uploads"


@app.post("/upload")
def upload():
    f = request.files["file"]
    f.save(os.path.join(app.config["UPLOAD_FOLDER"], f.filename))
    subprocess.run(["ffmpeg", "-i", f.filename, "out.mp4"])
    return "", 201


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
