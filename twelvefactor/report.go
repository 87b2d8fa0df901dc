package twelvefactor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the findings for people: one line each, then a count.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOCATION\tRULE\tFACTOR\tSEVERITY\tMESSAGE")
	for _, f := range r.Findings {
		msg := f.Message + " (fix: " + f.Fix + ")"
		level := f.Level
		if f.Ignored {
			level = "ignored"
			msg = f.Message + " (ignored: " + cmpOr(f.Reason, "no reason given") + ")"
		} else if f.Baselined {
			level = "baseline"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", location(f), f.Rule, f.Factor, level, msg)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d findings in %d files (%d skipped: binary, too large or unreadable)\n", len(r.Findings), r.Files, r.Skipped)
	return err
}

func location(f Finding) string {
	if f.Line == 0 {
		return f.File
	}
	return f.File + ":" + strconv.Itoa(f.Line)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// WriteJSON prints the findings as a JSON array.
func (r *Report) WriteJSON(w io.Writer) error {
	findings := r.Findings
	if findings == nil {
		findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(findings)
}

// WriteSARIF prints the findings as SARIF 2.1.0, for code-scanning tools.
// Ignored findings are kept as suppressed results with their reason.
func (r *Report) WriteSARIF(w io.Writer) error {
	type msg struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string            `json:"id"`
		ShortDescription msg               `json:"shortDescription"`
		Help             msg               `json:"help"`
		Properties       map[string]any    `json:"properties"`
		DefaultConfig    map[string]string `json:"defaultConfiguration"`
	}
	rules := []rule{} // an empty array, never null, on a clean run
	index := map[string]int{}
	for _, f := range r.Findings {
		if _, ok := index[f.Rule]; ok {
			continue
		}
		index[f.Rule] = len(rules)
		rules = append(rules, rule{ID: f.Rule, ShortDescription: msg{f.Message}, Help: msg{f.Fix},
			Properties:    map[string]any{"factor": f.Factor, "tags": []string{"twelve-factor", "factor-" + strconv.Itoa(f.Factor)}},
			DefaultConfig: map[string]string{"level": sarifLevel(f.Severity)}})
	}
	results := make([]map[string]any, 0, len(r.Findings))
	for _, f := range r.Findings {
		physical := map[string]any{"artifactLocation": map[string]string{"uri": (&url.URL{Path: f.File}).EscapedPath(), "uriBaseId": "SRCROOT"}}
		if f.Line > 0 { // a finding about a whole file has no region
			physical["region"] = map[string]int{"startLine": f.Line}
		}
		res := map[string]any{
			"ruleId": f.Rule, "ruleIndex": index[f.Rule], "level": sarifLevel(f.Severity),
			"message":    msg{f.Message + ". Fix: " + f.Fix},
			"locations":  []any{map[string]any{"physicalLocation": physical}},
			"properties": map[string]int{"factor": f.Factor},
		}
		res["partialFingerprints"] = map[string]string{"twelvefactor/v1": f.Fingerprint()}
		if r.baseline {
			res["baselineState"] = map[bool]string{true: "unchanged", false: "new"}[f.Baselined]
		}
		if f.Ignored {
			res["suppressions"] = []map[string]string{{"kind": "inSource", "justification": f.Reason}}
		}
		results = append(results, res)
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "twelvefactor", "version": strings.TrimPrefix(ToolVersion(), "v"),
				"informationUri": "https://12factor.net/", "rules": rules,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func sarifLevel(s Severity) string {
	return [...]string{"note", "warning", "error"}[s]
}
