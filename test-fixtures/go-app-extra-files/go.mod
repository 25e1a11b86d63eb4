module example.com/kiln/go-app-extra-files

go 1.26
