package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit/harness"
)

// versitygwModule is the S3 server installed when none is on PATH; the
// same pin, and the same cache folder, as ferry-bench.
const versitygwModule = "github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// bucket is the bucket the S3 server holds for the run.
const bucket = "ferry-chaos"

// s3Server is versitygw on a posix folder: killed for outages and started
// again on the same port and folder, so nothing stored is lost.
type s3Server struct {
	bin, data, logDir string
	port              int
	key, secret       string
	gw                *child
	client            *s3.Client
}

// startS3 finds or installs versitygw, starts it and creates the bucket.
func (s *suite) startS3(ctx context.Context) error {
	bin, err := s.versitygw(ctx)
	if err != nil {
		return err
	}
	port, err := devstack.FreePort()
	if err != nil {
		return err
	}
	gw := &s3Server{bin: bin, data: filepath.Join(s.dir, "s3"), logDir: s.logDir(), port: port,
		key: "chaos" + randomHex(4), secret: randomHex(16)}
	if err := os.Mkdir(gw.data, 0o755); err != nil {
		return fmt.Errorf("s3 folder: %w", err)
	}
	s.stack.s3 = gw
	s.onClose("stop versitygw", gw.stop)
	s.logf("starting versitygw on %s", gw.addr())
	if err := gw.start(ctx); err != nil {
		return err
	}
	gw.client = newS3Client(gw.endpoint(), gw.key, gw.secret)
	if _, err := gw.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	return nil
}

// start runs the server and waits until it takes connections.
func (g *s3Server) start(ctx context.Context) error {
	cmd := exec.Command(g.bin, "--access", g.key, "--secret", g.secret,
		"--port", g.addr(), "--quiet", "--keep-alive", "posix", g.data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	gw, err := startChild("versitygw", g.logDir, cmd)
	if err != nil {
		return err
	}
	g.gw = gw
	return gw.waitTCP(ctx, g.addr(), 30*time.Second)
}

// stop ends the server, if it runs.
func (g *s3Server) stop(ctx context.Context) error {
	if g.gw == nil {
		return nil
	}
	return g.gw.stop(ctx)
}

func (g *s3Server) addr() string     { return "127.0.0.1:" + strconv.Itoa(g.port) }
func (g *s3Server) endpoint() string { return "http://" + g.addr() }

// versitygw finds the server on PATH, or in ferry-bench's cache folder,
// installing it there on first use.
func (s *suite) versitygw(ctx context.Context) (string, error) {
	if path, err := exec.LookPath("versitygw"); err == nil {
		return path, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no versitygw on PATH, and no cache folder to install it in: %w", err)
	}
	gobin := filepath.Join(cache, "ferry-bench", "bin")
	path := filepath.Join(gobin, "versitygw")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	s.logf("installing %s into %s (about 50 s the first time; reused after)", versitygwModule, gobin)
	cmd := exec.CommandContext(ctx, "go", "install", versitygwModule)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s: %w: %s", versitygwModule, err, harness.LastLine(string(out)))
	}
	return path, nil
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
