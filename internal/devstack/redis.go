package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// RedisOptions say where and how to run a local Redis.
type RedisOptions struct {
	Dir  string // working folder of redis-server
	Port int    // 0 picks a free port
	Log  *slog.Logger
	// Embedded forces the in-process server even when redis-server exists.
	Embedded bool
}

// Redis is a running server: redis-server when installed, else an
// embedded one that speaks the same protocol.
type Redis struct {
	port     int
	cmd      *exec.Cmd
	done     chan struct{}
	mini     *miniredis.Miniredis
	stopOnce sync.Once
	stopErr  error
}

// URL reaches the server's database 0.
func (r *Redis) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// StartRedis starts a server and waits until it answers PING.
func StartRedis(ctx context.Context, o RedisOptions) (*Redis, error) {
	var err error
	if o.Port == 0 {
		if o.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	bin, lookErr := exec.LookPath("redis-server")
	if o.Embedded || lookErr != nil {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:" + strconv.Itoa(o.Port)); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		return &Redis{port: o.Port, mini: m}, nil
	}
	r, err := launchRedis(bin, o)
	if err != nil {
		return nil, err
	}
	if err := r.waitReady(ctx); err != nil {
		_ = r.Stop()
		return nil, err
	}
	return r, nil
}

func launchRedis(bin string, o RedisOptions) (*Redis, error) {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", o.Dir, err)
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(o.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", o.Dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if o.Log != nil {
		out := newTail(20, o.Log)
		cmd.Stdout, cmd.Stderr = out, out
	}
	r := &Redis{port: o.Port, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	go func() { _ = cmd.Wait(); close(r.done) }()
	return r, nil
}

func (r *Redis) waitReady(ctx context.Context) error {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(r.port)})
	defer client.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if client.Ping(ctx).Err() == nil {
			return nil
		}
		select {
		case <-r.done:
			return fmt.Errorf("redis-server exited at start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer within 10s")
		}
	}
}

// Stop ends the server.
func (r *Redis) Stop() error {
	r.stopOnce.Do(func() {
		if r.mini != nil {
			r.mini.Close()
			return
		}
		r.stopErr = stopProcess(context.Background(), r.cmd, r.done, syscall.SIGTERM)
	})
	return r.stopErr
}
