package contacts

// SetImportBatch changes the batch size for a test and returns the undo.
func SetImportBatch(n int) func() {
	old := importBatch
	importBatch = n
	return func() { importBatch = old }
}

// AfterBatch sets a function to run after each committed import batch and
// returns the undo.
func AfterBatch(f func()) func() {
	old := afterBatch
	afterBatch = f
	return func() { afterBatch = old }
}
