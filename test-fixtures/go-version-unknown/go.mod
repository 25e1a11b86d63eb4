module example.com/kiln/go-version-unknown

go 1.99
