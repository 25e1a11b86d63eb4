module example.com/kiln/go-app

go 1.26
