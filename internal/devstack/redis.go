package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"net"
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
	Dir  string // working folder of redis-server; nothing is saved there unless Persist
	Port int    // 0 picks a free port on 127.0.0.1
	Log  *slog.Logger
	// Persist keeps the data in Dir (an append-only file) across
	// restarts, as ferry dev wants for its sessions. The embedded server
	// cannot, and keeps nothing.
	Persist bool
	// Embedded forces the in-process server even when redis-server exists.
	Embedded bool
}

// Redis is a running server: redis-server when installed, else an
// in-process one that speaks the same protocol.
type Redis struct {
	port     int
	proc     *process
	mini     *miniredis.Miniredis
	stopOnce sync.Once
	stopErr  error
}

// URL reaches the server's database 0.
func (r *Redis) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// StartRedis starts a server and waits until it answers PING.
func StartRedis(ctx context.Context, o RedisOptions) (*Redis, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var err error
	if o.Port == 0 {
		if o.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	bin, lookErr := exec.LookPath("redis-server")
	if o.Embedded || lookErr != nil {
		return startEmbedded(o)
	}
	if err := mkdirTraversable(o.Dir); err != nil {
		return nil, fmt.Errorf("start redis: %w", err)
	}
	r := &Redis{port: o.Port}
	if r.proc, err = startProcess(redisCmd(bin, o), o.Log); err != nil {
		return nil, fmt.Errorf("start redis: %w", err)
	}
	if err := r.proc.waitReady(ctx, 10*time.Second, r.ping); err != nil {
		_ = r.Stop()
		return nil, fmt.Errorf("start redis: %w", err)
	}
	o.Log.Debug("redis ready", "port", r.port)
	return r, nil
}

func startEmbedded(o RedisOptions) (*Redis, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:" + strconv.Itoa(o.Port)); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	o.Log.Debug("embedded redis ready", "port", o.Port)
	return &Redis{port: o.Port, mini: m}, nil
}

// redisCmd keeps everything in memory unless o.Persist: a test Redis
// holds only rate-limit counters and sessions worth losing, while dev's
// keeps its sessions in an append-only file, so a restart signs nobody out.
func redisCmd(bin string, o RedisOptions) *exec.Cmd {
	aof := "no"
	if o.Persist {
		aof = "yes"
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(o.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", aof, "--dir", o.Dir)
	cmd.SysProcAttr = ChildAttr(syscall.SIGTERM)
	return cmd
}

// ping waits for the port before asking go-redis, whose failed dials are
// retried and logged through its global logger.
func (r *Redis) ping(ctx context.Context) error {
	addr := "127.0.0.1:" + strconv.Itoa(r.port)
	conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	_ = conn.Close()
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer client.Close()
	return client.Ping(ctx).Err()
}

// Stop ends the server. Calling it again returns the first result.
func (r *Redis) Stop() error {
	r.stopOnce.Do(func() {
		if r.mini != nil {
			r.mini.Close()
			return
		}
		r.stopErr = r.proc.stop(context.Background(), syscall.SIGTERM)
	})
	return r.stopErr
}
