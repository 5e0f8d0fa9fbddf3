package wizard

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminalPeer plays the user at the far end of a pseudo-terminal: it reads
// everything the prompt draws, answers cursor-position queries as a real
// terminal would, and types when the expected text appears.
type terminalPeer struct {
	ptm  *os.File
	mu   sync.Mutex
	seen bytes.Buffer
	done chan struct{}
}

func newTerminalPeer(t *testing.T) (*terminalPeer, *os.File) {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	if err := pty.Setsize(ptm, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	p := &terminalPeer{ptm: ptm, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			if n > 0 {
				p.mu.Lock()
				p.seen.Write(buf[:n])
				if bytes.Contains(buf[:n], []byte("\x1b[6n")) {
					_, _ = ptm.Write([]byte("\x1b[1;1R"))
				}
				p.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		ptm.Close()
		tty.Close()
		// A read blocked on a closed pty may not return: a failed test
		// must report, not hang until the package times out.
		select {
		case <-p.done:
		case <-time.After(2 * time.Second):
		}
	})
	return p, tty
}

// typeAfter waits until the terminal shows want, then types keys.
func (p *terminalPeer) typeAfter(t *testing.T, want, keys string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		ok := strings.Contains(p.seen.String(), want)
		p.mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("terminal never showed %q; it showed:\n%q", want, p.seen.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The prompt is drawn before survey puts the terminal in raw mode; keys
	// typed in that gap go through the line discipline (Enter becomes a
	// newline) and are lost to the prompt. A person is never that fast.
	time.Sleep(200 * time.Millisecond)
	if _, err := p.ptm.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
}

// TestSurveyInRealTerminal drives the survey adapter through a real
// pseudo-terminal: typing, a rejected answer, arrow-key selection and a
// confirmation, as a user would.
func TestSurveyInRealTerminal(t *testing.T) {
	peer, tty := newTerminalPeer(t)
	s := NewSurvey(tty, tty, io.Discard)

	type result struct {
		name, framework string
		ok              bool
		err             error
	}
	res := make(chan result, 1)
	go func() {
		var r result
		r.name, r.err = s.Input("Service name", "help", "", func(v string) error {
			if strings.Contains(v, " ") {
				return errBadName
			}
			return nil
		})
		if r.err == nil {
			r.framework, r.err = s.Select("HTTP framework", "help", []string{"nethttp", "chi", "gin", "echo"}, "nethttp")
		}
		if r.err == nil {
			r.ok, r.err = s.Confirm("Generate with these answers?", "help", true)
		}
		res <- r
	}()

	peer.typeAfter(t, "Service name", "my svc\r")
	peer.typeAfter(t, errBadName.Error(), strings.Repeat("\x7f", 6)+"checkout\r")
	peer.typeAfter(t, "HTTP framework", "\x1b[B\x1b[B\r") // down, down: gin
	peer.typeAfter(t, "Generate with these answers?", "n\r")

	select {
	case r := <-res:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.name != "checkout" || r.framework != "gin" || r.ok {
			t.Fatalf("got name=%q framework=%q confirm=%v, want checkout, gin, false", r.name, r.framework, r.ok)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the prompts did not finish")
	}
}

var errBadName = stringError("no spaces in a service name")

type stringError string

func (e stringError) Error() string { return string(e) }
