package report

// SetExportBatch makes exports read n rows per batch until the returned
// function restores the default.
func SetExportBatch(n int) (restore func()) {
	old := exportBatch
	exportBatch = n
	return func() { exportBatch = old }
}
