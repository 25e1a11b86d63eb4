// The Go sources kiln/go-function compiles into function builds, and their tests. The
// buildpack embeds the files (include_str!); this module exists to vet and test them. Its
// requirements are the tests': the served code itself imports only the SDK's event package.
module kiln.dev/go-function/framework

go 1.23.0

require github.com/cloudevents/sdk-go/v2 v2.16.2

require (
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.0 // indirect
)
