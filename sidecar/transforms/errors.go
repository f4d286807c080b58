package transforms

import "fmt"

// DataError is a record a transform cannot handle: Java's DataException
// and the other runtime exceptions Java's transforms throw. Its text is
// Java's message, so logs and dead-letter headers read the same.
type DataError struct {
	Message string
}

func (e *DataError) Error() string { return e.Message }

func dataErr(format string, args ...any) error {
	return &DataError{Message: fmt.Sprintf(format, args...)}
}
