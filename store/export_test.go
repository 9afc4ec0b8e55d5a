package store

// ScanJSONRow exposes scanJSONRow to the store_test package.
var ScanJSONRow = scanJSONRow
