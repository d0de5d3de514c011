module github.com/spindle-threads/spindle

go 1.26.8

require (
	github.com/go-co-op/gocron/v2 v2.21.2
	github.com/go-telegram/bot v1.19.0
	github.com/google/uuid v1.6.0
	github.com/gorilla/mux v1.8.1
	github.com/jonboulle/clockwork v0.5.0
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/mmcdole/gofeed v1.4.2
	github.com/rivo/uniseg v0.4.7
	github.com/slack-go/slack v0.35.0
	golang.org/x/net v0.59.0
)

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/mmcdole/goxpp/v2 v2.0.0 // indirect
	github.com/robfig/cron/v3 v3.0.1 // indirect
	golang.org/x/text v0.42.0 // indirect
)
