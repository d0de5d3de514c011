module github.com/spindle-threads/spindle

go 1.26.8

require (
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/mmcdole/gofeed v1.4.2
	github.com/rivo/uniseg v0.4.7
	golang.org/x/net v0.59.0
)

require (
	github.com/mmcdole/goxpp/v2 v2.0.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	golang.org/x/text v0.42.0 // indirect
)
