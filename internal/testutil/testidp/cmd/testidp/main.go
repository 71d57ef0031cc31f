// Command testidp runs the test OpenID Connect provider of package testidp for the
// browser tests (web/e2e/sso.test.mjs). It is never part of the hms binary.
//
//	testidp -addr 127.0.0.1:0 -client-id hms -client-secret s \
//	  -account 'sub-1,doctor@clinic.test,Dana Doctor,password,clinic-doctors'
//
// It prints "issuer <url>" once it listens, then serves until killed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hms-project/hms/internal/testutil/testidp"
)

type accounts []testidp.Account

func (a *accounts) String() string { return fmt.Sprint(len(*a)) }

// Set parses subject,email,name,password,group[;group...].
func (a *accounts) Set(v string) error {
	f := strings.Split(v, ",")
	if len(f) != 5 {
		return fmt.Errorf("want subject,email,name,password,groups (groups separated by ;), not %q", v)
	}
	*a = append(*a, testidp.Account{Subject: f[0], Email: f[1], Name: f[2], Password: f[3], Groups: strings.Split(f[4], ";")})
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	clientID := flag.String("client-id", "hms", "the client id HMS uses")
	clientSecret := flag.String("client-secret", "test-secret", "the client secret HMS uses")
	var accts accounts
	flag.Var(&accts, "account", "an account: subject,email,name,password,group;group (repeatable)")
	flag.Parse()
	p, err := testidp.Start(testidp.Options{Addr: *addr, ClientID: *clientID, ClientSecret: *clientSecret, LoginPage: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testidp:", err)
		os.Exit(1)
	}
	for _, a := range accts {
		p.Add(a)
	}
	fmt.Println("issuer", p.Issuer())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	_ = p.Close()
}
