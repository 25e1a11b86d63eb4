// Command go-syntax-error is a broken fixture: line 8 misses a closing parenthesis, so the
// build must fail and point at main.go:8.
package main

import "fmt"

func main() {
	fmt.Println("unbalanced"
}
