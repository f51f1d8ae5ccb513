package contacts

// SetImportBatch changes the batch size for a test and returns the undo.
func SetImportBatch(n int) func() {
	old := importBatch
	importBatch = n
	return func() { importBatch = old }
}
