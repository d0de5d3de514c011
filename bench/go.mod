module github.com/spindle-threads/spindle/bench

go 1.26.8

replace github.com/spindle-threads/spindle => ../

require (
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/spindle-threads/spindle v0.0.0-00010101000000-000000000000
	maragu.dev/goqite v0.4.0
)
