package kafkatest

import (
	"os/exec"
	"testing"
	"time"
)

// StopBroker stops the broker of scripts/kafka.sh, keeping its data: with
// kill it is SIGKILLed, as a crash would end it, else it shuts down
// cleanly. StartBroker brings it back; if t ends first, a cleanup does, so
// tests after t still find a broker. It skips t unless the broker is the
// one scripts/kafka.sh started.
func (b *Broker) StopBroker(t testing.TB, kill bool) {
	t.Helper()
	script := kafkaScript(t)
	if b.Kind != External || exec.Command(script, "status").Run() != nil {
		t.Skipf("needs the broker of scripts/kafka.sh, which a test may stop and start again; running against %s", b)
	}
	args := []string{"broker-stop"}
	if kill {
		args = append(args, "--kill")
	}
	if out, err := exec.Command(script, args...).CombinedOutput(); err != nil {
		t.Fatalf("kafkatest: stop the broker: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if exec.Command(script, "status").Run() != nil {
			if out, err := exec.Command(script, "broker-start").CombinedOutput(); err != nil {
				t.Errorf("kafkatest: start the broker again: %v\n%s", err, out)
			}
		}
	})
}

// StartBroker starts the broker StopBroker stopped, on the same data, and
// returns how long it took to serve again.
func (b *Broker) StartBroker(t testing.TB) time.Duration {
	t.Helper()
	start := time.Now()
	if out, err := exec.Command(kafkaScript(t), "broker-start").CombinedOutput(); err != nil {
		t.Fatalf("kafkatest: start the broker again: %v\n%s", err, out)
	}
	return time.Since(start)
}
