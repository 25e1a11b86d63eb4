module example.com/kiln/go-app-exclude

go 1.26
