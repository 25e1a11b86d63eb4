module example.com/go-func-wrong-signature

go 1.26
