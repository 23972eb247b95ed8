// Command ferretdb-sqlite runs FerretDB v1 with its SQLite backend as the local Mongo-wire server.
// deploy/local/infra.sh builds it against FerretDB's source patched with patches/*.patch
// (atomic single-document writes, indexes that queries use: docs/adr/0005-…).
//
// It embeds the ferretdb package instead of building cmd/ferretdb because `go install` of the
// real CLI produces a binary that panics on its missing build/version/version.txt; embedding
// also keeps telemetry off, so nothing leaves the machine.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -pprof-addr
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen-addr", "127.0.0.1:27017", "TCP listen address")
	url := flag.String("sqlite-url", "file:./data/", "SQLite directory URI; must end with /")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error (info logs every connection)")
	pprofAddr := flag.String("pprof-addr", "", "if set (a loopback address), serve net/http/pprof there")
	auth := flag.Bool("auth", false, "require SCRAM authentication; the first user comes from "+
		"$FERRETDB_SETUP_USERNAME and $FERRETDB_SETUP_PASSWORD (created in the admin database when it does not exist)")
	flag.Parse()

	if *pprofAddr != "" {
		go func() { log.Print(http.ListenAndServe(*pprofAddr, nil)) }()
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatal(err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	config := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *url,
	}
	if *auth {
		// The password stays out of the command line (ps shows it to every local user).
		config.EnableNewAuth = true
		config.SetupDatabase = "admin"
		config.SetupUsername = os.Getenv("FERRETDB_SETUP_USERNAME")
		config.SetupPassword = os.Getenv("FERRETDB_SETUP_PASSWORD")
		if config.SetupUsername == "" || config.SetupPassword == "" {
			log.Fatal("-auth needs FERRETDB_SETUP_USERNAME and FERRETDB_SETUP_PASSWORD")
		}
	}
	f, err := ferretdb.New(config)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log.Printf("FerretDB (sqlite) listening on %s, data in %s", *addr, *url)
	f.Run(ctx)
}
