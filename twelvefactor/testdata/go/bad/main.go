package main

import (
	"net/http"
	"os"
	"os/exec"
)

const dbURL = "postgres://app:hunter2hunter2@db.prod.acme.com:5432/app"

var apiKey = "live-9f8e7d6c5b4a"

var sessions = map[string]string{}

type Config struct {
	RedisURL string `env:"REDIS_URL" envDefault:"redis://localhost:6379"`
}

func upload(w http.ResponseWriter, r *http.Request) {
	f, _ := os.Create("uploads/" + r.URL.Query().Get("name"))
	defer f.Close()
	_ = exec.Command("convert", "in.png", "out.jpg").Run()
	logf, _ := os.OpenFile("app.log", os.O_APPEND|os.O_WRONLY, 0o644)
	defer logf.Close()
}

func main() {
	http.HandleFunc("/upload", upload)
	_ = http.ListenAndServe(":8080", nil)
}
