// Package takproto holds the generated Go types of TAK Protocol Version 1
// (package atakmap.commoncommo.protobuf.v1). The .proto files beside this file
// are Concord's own, written from the public TAK protocol definitions; the
// generated .pb.go files are committed so that building needs no generator.
//
// To regenerate (needs protoc, e.g. Debian's protobuf-compiler):
//
//	go generate ./cot/takproto/
package takproto

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --go_out=. --go_opt=paths=source_relative *.proto"
