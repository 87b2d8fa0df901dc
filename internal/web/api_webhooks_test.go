package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestWebhooksAPI: an endpoint is made with its whsec_ secret shown once,
// listed without it, its log read, a test event queued and the endpoint
// deleted; another user's id is 404 everywhere; bad URLs, private hosts
// and unknown events are 400 with their codes.
func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	_, other := st.newUser(t, "other@example.com")

	resp, body := st.call(t, "POST", "/api/v1/webhooks", st.token,
		strings.NewReader(`{"url":"https://93.184.216.34/ferry","events":["file.uploaded","share.downloaded","file.uploaded"]}`))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", resp.StatusCode, body)
	}
	id, _ := body["id"].(string)
	secret, _ := body["secret"].(string)
	if !regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=$`).MatchString(secret) {
		t.Errorf("secret %q is not whsec_ and 32 bytes of base64", secret)
	}
	if resp.Header.Get("Location") != "/api/v1/webhooks/"+id || body["enabled"] != true {
		t.Errorf("create: Location %q, body %v", resp.Header.Get("Location"), body)
	}
	if evs, _ := body["events"].([]any); len(evs) != 2 {
		t.Errorf("events %v, want the two asked for once each", body["events"])
	}

	_, list := st.call(t, "GET", "/api/v1/webhooks", st.token, nil)
	hooks, _ := list["webhooks"].([]any)
	if len(hooks) != 1 || hooks[0].(map[string]any)["id"] != id || hooks[0].(map[string]any)["secret"] != nil {
		t.Fatalf("list: %v", list)
	}
	if _, theirs := st.call(t, "GET", "/api/v1/webhooks", other, nil); len(theirs["webhooks"].([]any)) != 0 {
		t.Errorf("another user lists %v", theirs)
	}

	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/webhooks/" + id + "/deliveries"},
		{"POST", "/api/v1/webhooks/" + id + "/test"},
		{"DELETE", "/api/v1/webhooks/" + id},
	} {
		t.Run("other user "+tc.method+" "+tc.path, func(t *testing.T) {
			if resp, body := st.call(t, tc.method, tc.path, other, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%d %v, want 404", resp.StatusCode, body)
			}
		})
	}

	if resp, body := st.call(t, "GET", "/api/v1/webhooks/"+id+"/deliveries", st.token, nil); resp.StatusCode != 200 || len(body["deliveries"].([]any)) != 0 {
		t.Errorf("deliveries: %d %v", resp.StatusCode, body)
	}
	if resp, body := st.call(t, "POST", "/api/v1/webhooks/"+id+"/test", st.token, nil); resp.StatusCode != http.StatusAccepted {
		t.Errorf("test: %d %v", resp.StatusCode, body)
	}
	if resp, _ := st.call(t, "DELETE", "/api/v1/webhooks/"+id, st.token, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if resp, _ := st.call(t, "DELETE", "/api/v1/webhooks/"+id, st.token, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second delete: %d", resp.StatusCode)
	}
	if resp, _ := st.call(t, "DELETE", "/api/v1/webhooks/not-a-uuid", st.token, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("malformed id: %d", resp.StatusCode)
	}
	if n := st.rowCount(t, "webhooks"); n != 0 {
		t.Errorf("%d webhooks rows left", n)
	}
}

func TestWebhookRefusals(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	for _, tc := range []struct {
		name, body string
		code       string
	}{
		{"loopback", `{"url":"http://127.0.0.1:8080/x","events":["file.uploaded"]}`, "private_address"},
		{"metadata", `{"url":"http://169.254.169.254/latest/meta-data","events":["file.uploaded"]}`, "private_address"},
		{"private", `{"url":"https://10.0.0.8/x","events":["file.uploaded"]}`, "private_address"},
		{"mapped", `{"url":"http://[::ffff:192.168.0.1]/x","events":["file.uploaded"]}`, "private_address"},
		{"ULA", `{"url":"http://[fd00::1]/x","events":["file.uploaded"]}`, "private_address"},
		{"localhost", `{"url":"http://localhost:9/x","events":["file.uploaded"]}`, "private_address"},
		{"scheme", `{"url":"ftp://93.184.216.34/x","events":["file.uploaded"]}`, "invalid_url"},
		{"user info", `{"url":"https://me:pw@93.184.216.34/x","events":["file.uploaded"]}`, "invalid_url"},
		{"no events", `{"url":"https://93.184.216.34/x","events":[]}`, "invalid_field"},
		{"unknown event", `{"url":"https://93.184.216.34/x","events":["file.deleted"]}`, "invalid_field"},
		{"unknown field", `{"url":"https://93.184.216.34/x","events":["file.uploaded"],"secret":"x"}`, "invalid_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := st.call(t, "POST", "/api/v1/webhooks", st.token, strings.NewReader(tc.body))
			e, _ := body["error"].(map[string]any)
			if resp.StatusCode != http.StatusBadRequest || e["code"] != tc.code {
				t.Errorf("%d %v, want 400 %s", resp.StatusCode, body, tc.code)
			}
		})
	}
	if n := st.rowCount(t, "webhooks"); n != 0 {
		t.Errorf("%d webhooks rows after refusals", n)
	}
}

// TestWebhookTestRateLimited: the test button sends at most 10 events a
// minute per user; the next is 429 with Retry-After.
func TestWebhookTestRateLimited(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	_, body := st.call(t, "POST", "/api/v1/webhooks", st.token, strings.NewReader(`{"url":"https://93.184.216.34/x","events":["share.expired"]}`))
	id, _ := body["id"].(string)
	for i := range 11 {
		resp, body := st.call(t, "POST", "/api/v1/webhooks/"+id+"/test", st.token, nil)
		want := http.StatusAccepted
		if i == 10 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("test event %d: %d %v, want %d", i+1, resp.StatusCode, body, want)
		}
		if want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
}
