package bench

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// WorkerProcess is the worker binary running as its own process, as it
// runs in production: benchmarks measure it from outside and the soak
// kills it.
type WorkerProcess struct {
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
	logPath string
}

// StartWorker runs bin --config cfgPath with extraEnv, logging to logPath.
// The config file says where everything is, so the environment overrides
// config.Load honours are dropped.
func StartWorker(bin, cfgPath, logPath string, extraEnv ...string) (*WorkerProcess, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "AFTERSALE_RULES_DIR", "AFTERSALE_CONFIG":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	w := &WorkerProcess{cmd: cmd, done: make(chan struct{}), logPath: logPath}
	go func() {
		w.err = cmd.Wait()
		logf.Close()
		close(w.done)
	}()
	return w, nil
}

// PID is the process id.
func (w *WorkerProcess) PID() int { return w.cmd.Process.Pid }

// Exited reports an error if the worker is no longer running.
func (w *WorkerProcess) Exited() error {
	select {
	case <-w.done:
		return fmt.Errorf("worker exited on its own: %v\n%s", w.err, w.LogTail(30))
	default:
		return nil
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (w *WorkerProcess) Kill() error {
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-w.done
	return nil
}

// Stop sends SIGTERM and waits; after timeout it kills the process.
func (w *WorkerProcess) Stop(timeout time.Duration) {
	select {
	case <-w.done:
		return
	default:
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(timeout):
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// LogTail is the last n lines of the worker's log.
func (w *WorkerProcess) LogTail(n int) string {
	b, err := os.ReadFile(w.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
