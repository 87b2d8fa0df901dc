package admin

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// jobsCmd lists the jobs that failed (and will retry) or were discarded
// (and will not), or puts one back in the queue.
func jobsCmd(ctx context.Context, args []string, s IO, b Backends) error {
	fs := newFlags("jobs")
	retry := fs.Int64("retry", 0, "run the job with this `id` again")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	db, err := b.DB(ctx)
	if err != nil {
		return err
	}
	client, err := river.NewClient(riverpgxv5.New(db), &river.Config{})
	if err != nil {
		return fmt.Errorf("job client: %w", err)
	}
	if *retry != 0 {
		if _, err := client.JobRetry(ctx, *retry); err != nil {
			return fmt.Errorf("retry job %d: %w", *retry, err)
		}
		fmt.Fprintf(s.Stdout, "job %d queued to run again\n", *retry)
		return nil
	}
	params := river.NewJobListParams().States(rivertype.JobStateRetryable, rivertype.JobStateDiscarded).First(200)
	res, err := client.JobList(ctx, params)
	if err != nil {
		return fmt.Errorf("list jobs: %w", err)
	}
	return printJobs(s, res.Jobs)
}

func printJobs(s IO, jobs []*rivertype.JobRow) error {
	if len(jobs) == 0 {
		_, err := fmt.Fprintln(s.Stdout, "no failed or discarded jobs")
		return err
	}
	tw := tabwriter.NewWriter(s.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tATTEMPTS\tLAST ERROR")
	for _, j := range jobs {
		last := ""
		if n := len(j.Errors); n > 0 {
			last = firstLine(j.Errors[n-1].Error, 100)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d\t%s\n", j.ID, j.Kind, j.State, j.Attempt, j.MaxAttempts, last)
	}
	return tw.Flush()
}

func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
