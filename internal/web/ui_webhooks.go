package web

import (
	"net/http"
	"slices"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/webhook"
)

// eventChoice is one checkbox of the new-webhook form.
type eventChoice struct {
	Value, Label string
	Checked      bool
}

// eventLabels say when each event is sent, for the form.
var eventLabels = map[string]string{
	webhook.FileUploaded:    "a file is uploaded",
	webhook.ShareDownloaded: "a file of a link is downloaded",
	webhook.ShareExpired:    "a link expires",
	webhook.RequestReceived: "a file arrives through a file request",
}

func eventChoices(picked []string) []eventChoice {
	out := make([]eventChoice, len(webhook.Types))
	for i, ev := range webhook.Types {
		out[i] = eventChoice{Value: ev, Label: eventLabels[ev], Checked: picked == nil || slices.Contains(picked, ev)}
	}
	return out
}

// webhookItem is one endpoint of the list, with its last attempts.
type webhookItem struct {
	webhook.Endpoint
	Deliveries []webhook.Delivery
}

// webhooksView is the account page's Webhooks section; Secret only just
// after an endpoint is made.
type webhooksView struct {
	List    []webhookItem
	Events  []eventChoice
	URL     string // the form's URL after a refusal
	Secret  string
	Problem string
	Done    string
}

// deliveriesListed is how many attempts the page shows per endpoint.
const deliveriesListed = 5

// webhookList fills v's list with u's endpoints and their last attempts.
func (s *Server) webhookList(r *http.Request, u account.User, v *webhooksView) error {
	list, err := s.Sharing.WebhookList(r.Context(), u)
	if err != nil {
		return err
	}
	v.List = make([]webhookItem, 0, len(list))
	for _, e := range list {
		log, err := s.Sharing.WebhookDeliveries(r.Context(), u, e.ID, deliveriesListed)
		if err != nil {
			return err
		}
		v.List = append(v.List, webhookItem{Endpoint: e, Deliveries: log})
	}
	if v.Events == nil {
		v.Events = eventChoices(nil)
	}
	return nil
}

func (s *Server) createWebhookForm(w http.ResponseWriter, r *http.Request, u account.User) {
	url := r.PostFormValue("url")
	events := r.PostForm["events"]
	if events == nil {
		events = []string{} // none ticked asks for none, which is refused
	}
	e, secret, err := s.Sharing.CreateWebhook(r.Context(), u, url, events)
	if he := toHTTP(err); err != nil && he != nil && he.Status < 500 {
		s.showAccountWith(w, r, u, http.StatusBadRequest, webhooksView{Events: eventChoices(events), URL: url, Problem: sentence(he.Message)})
		return
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.securityEvent(r, eventWebhookCreated, "webhook_id", e.ID)
	s.showAccountWith(w, r, u, http.StatusOK, webhooksView{Secret: secret})
}

func (s *Server) testWebhookForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if _, err := s.sendTestEvent(r, u, r.PathValue("id")); err != nil {
		s.failPage(w, r, err)
		return
	}
	s.showAccountWith(w, r, u, http.StatusOK, webhooksView{Done: "A test event is on its way; reload to see it in the delivery log."})
}

func (s *Server) deleteWebhookForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.DeleteWebhook(r.Context(), u, r.PathValue("id")); err != nil {
		s.failPage(w, r, err)
		return
	}
	s.securityEvent(r, eventWebhookDeleted, "webhook_id", r.PathValue("id"))
	http.Redirect(w, r, "/account#webhooks", http.StatusSeeOther)
}
