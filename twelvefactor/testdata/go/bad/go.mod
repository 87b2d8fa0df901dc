module example.com/bad

go 1.22

require (
	github.com/jackc/pgx/v5 v5.5.0
	github.com/mattn/go-sqlite3 v1.14.22
)
