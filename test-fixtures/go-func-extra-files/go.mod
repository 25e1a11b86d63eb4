module example.com/kiln/go-func-extra-files

go 1.26
