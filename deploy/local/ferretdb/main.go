// Command ferretdb-sqlite runs FerretDB v1 with its SQLite backend as the local Mongo-wire server.
//
// It embeds the ferretdb package instead of building cmd/ferretdb because `go install` of the
// real CLI produces a binary that panics on its missing build/version/version.txt; embedding
// also keeps telemetry off, so nothing leaves the machine.
//
// FerretDB v1's SQLite handler does not run an update's read and write in one transaction
// (FerretDB/FerretDB#3040): two clients updating one document at once lose a write, even with
// findAndModify and $inc. MongoDB makes single-document writes atomic, and vanthu relies on it,
// so FerretDB listens on a private Unix socket and this program serves the TCP port, passing
// one write at a time to it (reads go through side by side). That costs write concurrency,
// which a local server can spare.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

const (
	opMsg          = 2013
	moreToCome     = 1 << 1
	exhaustAllowed = 1 << 16
	maxMessageLen  = 48_000_000
)

func main() {
	addr := flag.String("listen-addr", "127.0.0.1:27017", "TCP listen address")
	url := flag.String("sqlite-url", "file:./data/", "SQLite directory URI; must end with /")
	socket := flag.String("socket", "", "private Unix socket of FerretDB (default: beside the data)")
	flag.Parse()

	if *socket == "" {
		dir, err := os.MkdirTemp("", "ferretdb-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*socket = filepath.Join(dir, "ferretdb.sock")
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: *socket},
		Handler:   "sqlite",
		SQLiteURL: *url,
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go f.Run(ctx)
	if err := waitForSocket(*socket, 30*time.Second); err != nil {
		log.Fatal(err)
	}

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		<-ctx.Done()
		listener.Close()
	}()
	log.Printf("FerretDB (sqlite) listening on %s, one request at a time, data in %s", *addr, *url)

	var serial sync.Mutex
	for {
		client, err := listener.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Printf("accept: %v", err)
			continue
		}
		go relay(client, *socket, &serial)
	}
}

func waitForSocket(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if conn, err := net.Dial("unix", path); err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("FerretDB did not open %s in %s", path, timeout)
}

// relay passes one client's requests to its own FerretDB connection; a write holds the shared lock
// from the moment it is forwarded until its reply is back.
func relay(client net.Conn, socket string, serial *sync.Mutex) {
	defer client.Close()
	backend, err := net.Dial("unix", socket)
	if err != nil {
		log.Printf("backend: %v", err)
		return
	}
	defer backend.Close()

	for {
		request, err := readMessage(client)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				log.Printf("read request: %v", err)
			}
			return
		}
		if err := exchange(request, client, backend, serial); err != nil {
			log.Printf("relay: %v", err)
			return
		}
	}
}

func exchange(request []byte, client, backend net.Conn, serial *sync.Mutex) error {
	// A driver's monitor sends an awaitable hello that may wait up to its maxAwaitTimeMS and,
	// with exhaustAllowed, have the server stream replies without further requests. It changes
	// no data, so it goes through without the lock, and without exhaustAllowed so that each
	// request gets exactly one reply.
	if isOpMsg(request) && flags(request)&exhaustAllowed != 0 {
		binary.LittleEndian.PutUint32(request[16:20], flags(request)&^exhaustAllowed)
	}
	// Only writes take the lock. Reads must not: FerretDB keeps a SQLite connection for an open
	// cursor, so a write queued behind the lock could wait for a cursor whose getMore waits
	// for the lock.
	if writes[commandName(request)] {
		serial.Lock()
		defer serial.Unlock()
	}
	if _, err := backend.Write(request); err != nil {
		return err
	}
	if expectsNoReply(request) {
		return nil
	}
	for {
		reply, err := readMessage(backend)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if !expectsNoReply(reply) {
			return nil
		}
	}
}

// expectsNoReply is true for an OP_MSG with the moreToCome flag: a fire-and-forget request, or a
// reply that more replies follow.
func expectsNoReply(message []byte) bool {
	return isOpMsg(message) && flags(message)&moreToCome != 0
}

var writes = map[string]bool{
	"insert": true, "update": true, "delete": true, "findAndModify": true, "findandmodify": true,
}

// commandName is the first key of an OP_MSG's body section (kind 0), e.g. "insert"; "" otherwise.
func commandName(message []byte) string {
	const bodyStart = 20
	if !isOpMsg(message) || len(message) < bodyStart+1+4+2 || message[bodyStart] != 0 {
		return ""
	}
	name := message[bodyStart+1+4+1:] // section kind, document length, element type
	for i, b := range name {
		if b == 0 {
			return string(name[:i])
		}
	}
	return ""
}

func isOpMsg(message []byte) bool {
	return len(message) >= 20 && binary.LittleEndian.Uint32(message[12:16]) == opMsg
}

func flags(message []byte) uint32 {
	return binary.LittleEndian.Uint32(message[16:20])
}

func readMessage(conn net.Conn) ([]byte, error) {
	header := make([]byte, 4)
	if _, err := io.ReadFull(conn, header); err != nil {
		return nil, err
	}
	length := int(binary.LittleEndian.Uint32(header))
	if length < 16 || length > maxMessageLen {
		return nil, fmt.Errorf("message length %d out of range", length)
	}
	message := make([]byte, length)
	copy(message, header)
	if _, err := io.ReadFull(conn, message[4:]); err != nil {
		return nil, err
	}
	return message, nil
}
