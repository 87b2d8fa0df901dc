package web

import (
	"net/http"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/webhook"
)

type webhookJSON struct {
	ID           string     `json:"id"`
	URL          string     `json:"url"`
	Events       []string   `json:"events"`
	Secret       string     `json:"secret,omitempty"` // only in the answer that creates it
	Enabled      bool       `json:"enabled"`
	FailingSince *time.Time `json:"failing_since"` // null: the last attempt succeeded, or none was made
	DisabledAt   *time.Time `json:"disabled_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

func toWebhookJSON(e webhook.Endpoint, secret string) webhookJSON {
	return webhookJSON{ID: e.ID, URL: e.URL, Events: e.Events, Secret: secret, Enabled: e.DisabledAt == nil,
		FailingSince: e.FailingSince, DisabledAt: e.DisabledAt, CreatedAt: e.CreatedAt}
}

type deliveryJSON struct {
	MessageID string    `json:"message_id"`
	Event     string    `json:"event"`
	Attempt   int       `json:"attempt"`
	Status    *int      `json:"status"` // null: no answer
	Error     string    `json:"error,omitempty"`
	LatencyMS int64     `json:"latency_ms"`
	OK        bool      `json:"ok"`
	At        time.Time `json:"at"`
}

func toDeliveryJSON(d webhook.Delivery) deliveryJSON {
	out := deliveryJSON{MessageID: d.MessageID, Event: d.Event, Attempt: d.Attempt, Error: d.Error,
		LatencyMS: d.Latency.Milliseconds(), OK: d.OK(), At: d.At}
	if d.Status != 0 {
		out.Status = &d.Status
	}
	return out
}

// deliveriesShown is how many attempts the delivery log answers with.
const deliveriesShown = 50

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, u account.User) {
	var body struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	e, secret, err := s.Sharing.CreateWebhook(r.Context(), u, body.URL, body.Events)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.securityEvent(r, eventWebhookCreated, "webhook_id", e.ID)
	w.Header().Set("Location", "/api/v1/webhooks/"+e.ID)
	writeJSON(w, http.StatusCreated, toWebhookJSON(e, secret))
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := s.Sharing.WebhookList(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]webhookJSON, 0, len(list))
	for _, e := range list {
		out = append(out, toWebhookJSON(e, ""))
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.DeleteWebhook(r.Context(), u, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.securityEvent(r, eventWebhookDeleted, "webhook_id", r.PathValue("id"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := s.Sharing.WebhookDeliveries(r.Context(), u, r.PathValue("id"), deliveriesShown)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]deliveryJSON, 0, len(list))
	for _, d := range list {
		out = append(out, toDeliveryJSON(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request, u account.User) {
	msg, err := s.sendTestEvent(r, u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"message_id": msg})
}
