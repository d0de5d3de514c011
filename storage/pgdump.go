package storage

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DumpCommand is the pg_dump command that backs the PostgreSQL database of dsn (a
// SPINDLE_DATABASE_URL) up into file, for spindle backup to hand to the operator; a copy of
// the URL does not do, because pg_dump is libpq's and libpq refuses what only pgx reads in a
// URL. Spindle's pool size and pgx's own settings are left out, and the server settings pgx
// sends when it connects (search_path, …) become libpq's options. The password is left out
// too, since the command is printed: pg_dump reads it from PGPASSWORD or ~/.pgpass. A
// search_path names the schema Spindle's tables are in (its first), and the dump holds that
// schema alone. Errors never quote dsn.
func DumpCommand(dsn, file string) (string, error) {
	dsn, _, err := SplitPoolSize(dsn)
	if err != nil {
		return "", err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", errNotAURL
	}
	u, err := url.Parse(dsn) // SplitPoolSize parsed it already
	if err != nil {
		return "", errNotAURL
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q, kept := u.Query(), url.Values{}
	var options []string
	for _, k := range slices.Sorted(maps.Keys(q)) {
		v := q.Get(k)
		switch {
		case k == "password" || k == "sslpassword":
		case libpqParams[k]:
			kept.Set(k, v)
		case cfg.RuntimeParams[k] != "":
			options = append(options, "-c "+optionEscaper.Replace(k+"="+v))
		}
	}
	if len(options) > 0 {
		kept.Set("options", strings.TrimSpace(kept.Get("options")+" "+strings.Join(options, " ")))
	}
	// libpq decodes %20, not +, as a space.
	u.RawQuery = strings.ReplaceAll(kept.Encode(), "+", "%20")
	args := []string{"pg_dump", "--format=custom", "--file", file}
	if s := firstSchema(cfg.RuntimeParams["search_path"]); s != "" {
		args = append(args, "--schema", s)
	}
	args = append(args, "--dbname", u.String())
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " "), nil
}

// libpqParams are the connection parameters libpq takes in a URL that pgx also reads the
// same way (PostgreSQL's "Parameter Key Words"), less the passwords.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"connect_timeout": true, "options": true, "application_name": true, "client_encoding": true,
	"sslmode": true, "sslcert": true, "sslkey": true, "sslrootcert": true, "sslcrl": true,
	"sslsni": true, "sslnegotiation": true, "krbsrvname": true, "target_session_attrs": true,
	"service": true, "channel_binding": true, "gssencmode": true, "require_auth": true,
	"keepalives": true, "keepalives_idle": true, "keepalives_interval": true,
	"keepalives_count": true, "tcp_user_timeout": true, "load_balance_hosts": true,
}

// optionEscaper escapes a setting for libpq's options, where a space separates arguments.
var optionEscaper = strings.NewReplacer(`\`, `\\`, ` `, `\ `)

// firstSchema is the first schema of a search_path as written there, which is how pg_dump's
// --schema reads a name too (folded to lower case unless double-quoted); "" when there is
// none or it is the per-user "$user".
func firstSchema(path string) string {
	first, _, _ := strings.Cut(path, ",")
	first = strings.TrimSpace(first)
	if strings.Contains(first, "$user") {
		return ""
	}
	return first
}

// shellQuote quotes s for a POSIX shell, unless it needs no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
