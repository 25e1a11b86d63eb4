module example.com/go-http-subpkg

go 1.26

require (
	example.com/shout v0.0.0
	github.com/google/uuid v1.6.0
)

replace example.com/shout => ./third_party/shout
