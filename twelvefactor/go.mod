module github.com/ferryhq/ferry/twelvefactor

go 1.26.8

require (
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/text v0.14.0 // indirect
