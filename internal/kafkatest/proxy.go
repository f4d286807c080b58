package kafkatest

import (
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
)

// proxiedListener returns the listener scripts/kafka.sh gives a broker at
// addr for proxied clients: it listens two ports above the bootstrap port
// and advertises the port after that, so a client bootstrapped there is
// told to use it for every connection, and a proxy there sees all of that
// client's traffic.
func proxiedListener(addr string) (listen, advertised string, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(p+2)), net.JoinHostPort(host, strconv.Itoa(p+3)), nil
}

// Proxy forwards TCP connections to one broker listener. Cut turns it into
// a black hole, as a network partition is: bytes go nowhere and nothing is
// refused, so clients notice only through their own timeouts. Heal drops
// the connections it held (as TCP gives up on them after a partition) and
// forwards again.
//
// It is hand-written rather than toxiproxy's library: a partition is all
// the tests need, and these few lines carry no dependency, no API server
// and no toxic scheduling to reason about.
type Proxy struct {
	Addr     string // where clients connect: the address the broker advertises
	upstream string
	l        net.Listener

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{} // client and upstream sides alike
	wg    sync.WaitGroup
}

// Proxied starts a proxy in front of the broker's proxied listener and
// returns it; clients that bootstrap at its Addr reach the broker only
// through it. It skips t unless the broker is scripts/kafka.sh's with that
// listener. The proxy closes when t ends.
func (b *Broker) Proxied(t testing.TB) *Proxy {
	t.Helper()
	return b.proxy(t, b.Addr)
}

// ProxiedNodes starts a proxy in front of each broker of the cluster, in
// the order of the node numbers: a client bootstrapped at all their
// addresses reaches every broker through its own proxy, so one broker can
// be cut off from it while the others still answer.
func (b *Broker) ProxiedNodes(t testing.TB) []*Proxy {
	t.Helper()
	var ps []*Proxy
	for _, addr := range b.brokers() {
		ps = append(ps, b.proxy(t, addr))
	}
	return ps
}

func (b *Broker) proxy(t testing.TB, addr string) *Proxy {
	t.Helper()
	if b.Kind != External || exec.Command(kafkaScript(t), "status").Run() != nil {
		t.Skipf("needs the broker of scripts/kafka.sh, whose second listener a proxy can cut; running against %s", b)
	}
	listen, advertised, err := proxiedListener(addr)
	if err != nil {
		t.Fatalf("kafkatest: proxy: %v", err)
	}
	if c, err := net.Dial("tcp", listen); err != nil {
		t.Skipf("the broker has no proxied listener at %s (%v): restart it with scripts/kafka.sh start", listen, err)
	} else {
		c.Close()
	}
	l, err := net.Listen("tcp", advertised)
	if err != nil {
		t.Fatalf("kafkatest: proxy: %v", err)
	}
	p := &Proxy{Addr: advertised, upstream: listen, l: l, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.Close)
	return p
}

// Cut stops all traffic, on open connections and new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
}

// Heal closes every connection held so far and forwards new ones again.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
	for c := range p.conns {
		c.Close()
	}
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() {
	p.l.Close()
	p.Heal()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

// serve pipes one client connection to the broker. A connection opened
// during a cut is held without dialling the broker, as if the SYN had
// been answered and nothing after it.
func (p *Proxy) serve(client net.Conn) {
	p.track(client)
	defer p.untrack(client)
	var up net.Conn
	if !p.isCut() {
		var err error
		if up, err = net.Dial("tcp", p.upstream); err != nil {
			return
		}
		p.track(up)
		defer p.untrack(up)
	}
	done := make(chan struct{}, 2)
	go func() { p.pipe(up, client); done <- struct{}{} }()
	if up != nil {
		go func() { p.pipe(client, up); done <- struct{}{} }()
	}
	<-done // one side ended: end both
	client.Close()
	if up != nil {
		up.Close()
	}
}

// pipe copies src to dst while the proxy is not cut, and drops what it
// reads while it is; dst nil drops everything.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && dst != nil && !p.isCut() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) isCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[c] = struct{}{}
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	c.Close()
}
