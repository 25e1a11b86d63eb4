module example.com/go-func-missing

go 1.26
