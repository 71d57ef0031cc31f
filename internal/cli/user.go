package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// user runs `hms user create|list|disable|reset-password`.
func user(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	action, args := args[0], args[1:]
	fs := newFlags(e, "user "+action, "[flags]", "Creates, lists, disables users or resets a password. A password is read from "+
		"standard input with --password-stdin, or generated and printed once.")
	email := fs.String("email", "", "the user's email (create, disable, reset-password)")
	name := fs.String("name", "", "with create: the user's name")
	role := fs.String("role", "", "with create: admin, doctor, nurse or staff")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	st, err := openAndMigrate(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = domain.WithActor(ctx, domain.Actor{RequestID: "cli:user-" + action})
	switch action {
	case "create":
		in := domain.UserInput{Email: domain.Some(*email), Name: domain.Some(*name), Role: domain.Some(*role), Password: domain.Some("-")}
		u, _, err := in.ValidateNew()
		if err != nil {
			return flagErrors(err)
		}
		password, generated, err := readPassword(e, *fromStdin, u.Email)
		if err != nil {
			return err
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		if u, err = st.CreateUser(ctx, u, hash); err != nil {
			return flagErrors(err)
		}
		fmt.Fprintf(e.stdout, "created user %d: %s (%s)\n", u.ID, u.Email, u.Role)
		if generated {
			fmt.Fprintf(e.stdout, "password (shown only this once): %s\n", password)
		}
	case "list":
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tACTIVE\tLAST LOGIN")
		cursor := ""
		for {
			page, err := st.Users(ctx, store.UserFilter{Limit: store.MaxPageSize, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, u := range page.Items {
				last := "never"
				if u.LastLoginAt != nil {
					last = u.LastLoginAt.UTC().Format("2006-01-02 15:04Z")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\t%s\n", u.ID, u.Email, u.Name, u.Role, u.Active, last)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		return tw.Flush()
	case "disable", "reset-password":
		if *email == "" {
			return errors.New("--email is required")
		}
		u, _, err := st.UserByEmail(ctx, *email)
		if err != nil {
			return flagErrors(err)
		}
		if action == "disable" {
			inactive := false
			if _, err := st.UpdateUser(ctx, u.ID, domain.UserChanges{Active: &inactive}); err != nil {
				return flagErrors(err)
			}
			fmt.Fprintf(e.stdout, "disabled user %d: %s; their sessions are ended\n", u.ID, u.Email)
			return nil
		}
		password, generated, err := readPassword(e, *fromStdin, u.Email)
		if err != nil {
			return err
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, u.ID, hash, "", domain.ActionPasswordReset); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "reset the password of user %d: %s; their sessions are ended\n", u.ID, u.Email)
		if generated {
			fmt.Fprintf(e.stdout, "new password (shown only this once): %s\n", password)
		}
	default:
		return errUsage
	}
	return nil
}

// readPassword reads a password from standard input (checked against the policy), or
// generates one.
func readPassword(e env, fromStdin bool, email string) (string, bool, error) {
	if !fromStdin {
		return auth.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false, errors.New("--password-stdin: no password on standard input")
	}
	password := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPasswordPolicy(password, email); err != nil {
		return "", false, err
	}
	return password, false, nil
}

// flagErrors turns a validation error into one line naming the flag of each field.
func flagErrors(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	var parts []string
	for f, msg := range de.Fields {
		parts = append(parts, "--"+f+" "+msg)
	}
	return errors.New(strings.Join(parts, "; "))
}
