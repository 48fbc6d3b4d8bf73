module github.com/standin-dev/standin

go 1.26

require (
	github.com/brianvoe/gofakeit/v7 v7.18.1
	github.com/santhosh-tekuri/jsonschema/v5 v5.3.1
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
)

require github.com/inconshreveable/mousetrap v1.1.0 // indirect
