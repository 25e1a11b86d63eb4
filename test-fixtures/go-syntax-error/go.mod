module example.com/kiln/go-syntax-error

go 1.26
