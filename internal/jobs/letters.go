package jobs

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

// letterTemplates are a mail's two parts: plain text, and HTML, in which
// html/template escapes what users wrote (file names, notes).
type letterTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// letterPair parses both parts once, at start; a broken template is a bug
// found by any test.
func letterPair(text, html string) letterTemplates {
	return letterTemplates{
		text: texttemplate.Must(texttemplate.New("text").Parse(text)),
		html: htmltemplate.Must(htmltemplate.New("html").Parse(html)),
	}
}

// render fills both parts with data.
func (t letterTemplates) render(data any) (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := t.text.Execute(&tb, data); err != nil {
		return "", "", fmt.Errorf("mail text: %w", err)
	}
	if err := t.html.Execute(&hb, data); err != nil {
		return "", "", fmt.Errorf("mail html: %w", err)
	}
	return tb.String(), hb.String(), nil
}
