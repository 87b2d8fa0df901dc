package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit/harness"
)

// versitygwModule is the S3 server installed when none is on PATH.
const versitygwModule = "github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// startS3 runs versitygw on a posix folder in the temp folder and creates
// the bucket.
func (b *bench) startS3(ctx context.Context) error {
	bin, label, err := b.versitygw(ctx)
	if err != nil {
		return err
	}
	port, err := devstack.FreePort()
	if err != nil {
		return err
	}
	st := &b.stack
	st.s3Key, st.s3Secret = "bench"+randomHex(4), randomHex(16)
	st.s3Endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
	st.versitygw = label
	if err := b.runVersitygw(ctx, bin, port); err != nil {
		return err
	}
	st.s3 = newS3Client(st.s3Endpoint, st.s3Key, st.s3Secret)
	if _, err := st.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	return nil
}

// runVersitygw starts the server and waits until it takes connections.
func (b *bench) runVersitygw(ctx context.Context, bin string, port int) error {
	data := filepath.Join(b.dir, "s3")
	if err := os.Mkdir(data, 0o755); err != nil {
		return fmt.Errorf("s3 folder: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	b.logf("starting versitygw on %s", addr)
	cmd := exec.Command(bin, "--access", b.stack.s3Key, "--secret", b.stack.s3Secret,
		"--port", addr, "--quiet", "--keep-alive", "posix", data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	gw, err := startChild("versitygw", cmd)
	if err != nil {
		return err
	}
	b.onClose("stop versitygw", gw.stop)
	b.stack.gw = gw
	return gw.waitTCP(ctx, addr, 30*time.Second)
}

// versitygw finds the server on PATH, or in our cache folder, installing
// it there on first use. label names it for the report.
func (b *bench) versitygw(ctx context.Context) (path, label string, err error) {
	if path, err := exec.LookPath("versitygw"); err == nil {
		return path, "versitygw " + versitygwVersion(ctx, path) + " (from PATH)", nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", "", fmt.Errorf("no versitygw on PATH, and no cache folder to install it in: %w", err)
	}
	gobin := filepath.Join(cache, "ferry-bench", "bin")
	path = filepath.Join(gobin, "versitygw")
	_, version, _ := strings.Cut(versitygwModule, "@")
	label = "versitygw " + version
	if _, err := os.Stat(path); err != nil {
		err = b.installVersitygw(ctx, gobin)
		return path, label, err
	}
	return path, label, nil
}

// installVersitygw builds the pinned server into gobin, where the next
// run finds it.
func (b *bench) installVersitygw(ctx context.Context, gobin string) error {
	b.logf("installing %s into %s (about 50 s the first time; reused after)", versitygwModule, gobin)
	cmd := exec.CommandContext(ctx, "go", "install", versitygwModule)
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install %s: %w: %s", versitygwModule, err, harness.LastLine(string(out)))
	}
	return nil
}

// versitygwVersion asks a binary its version; one built by go install
// knows none and says "git".
func versitygwVersion(ctx context.Context, bin string) string {
	out, _ := exec.CommandContext(ctx, bin, "--version").Output()
	for line := range strings.Lines(string(out)) {
		key, v, ok := strings.Cut(line, ":")
		if v = strings.TrimSpace(v); ok && strings.TrimSpace(key) == "Version" && v != "git" && v != "" {
			return v
		}
	}
	return "(version unknown)"
}

// newS3Client reaches the server path-style with static credentials.
func newS3Client(endpoint, key, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
	})
}
