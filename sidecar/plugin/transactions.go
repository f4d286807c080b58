package plugin

import "context"

// ExactlyOnceSupporter is a source connector that can tell whether its
// tasks deliver exactly once with a configuration (Java's
// SourceConnector.exactlyOnceSupport): whether their source offsets name
// a position the task can resume from without skipping or repeating
// anything. A connector that does not implement it is treated as Java
// treats one that does not answer, so exactly.once.support=required
// refuses it.
type ExactlyOnceSupporter interface {
	ExactlyOnceSupport(props map[string]string) (bool, error)
}

// TransactionBoundaryDefiner is a source connector whose tasks can say
// where transactions end (transaction.boundary=connector) with a
// configuration (Java's SourceConnector.canDefineTransactionBoundaries);
// connectors that do not implement it cannot.
type TransactionBoundaryDefiner interface {
	CanDefineTransactionBoundaries(props map[string]string) (bool, error)
}

// TransactionContext lets a source task define its transactions when its
// connector runs with transaction.boundary=connector on a worker with
// exactly-once source support (Java's TransactionContext). Records and
// their offsets become visible together when the transaction commits; an
// aborted transaction's records and offsets are dropped.
//
// A record is named by its address in the slice Poll returns, so the
// task must ask before returning that slice and must not copy it.
type TransactionContext interface {
	// CommitTransaction commits the open transaction after the records of
	// the current Poll batch are sent.
	CommitTransaction()
	// CommitTransactionAfter commits the open transaction once r is sent.
	CommitTransactionAfter(r *Record)
	// AbortTransaction aborts the open transaction after the records of
	// the current Poll batch are sent.
	AbortTransaction()
	// AbortTransactionAfter aborts the open transaction once r is sent.
	AbortTransactionAfter(r *Record)
}

type transactionsKey struct{}

// WithTransactionContext returns ctx carrying tc; the runtime sets it on
// the context a source task's Start gets when the task defines its own
// transactions.
func WithTransactionContext(ctx context.Context, tc TransactionContext) context.Context {
	return context.WithValue(ctx, transactionsKey{}, tc)
}

// Transactions is the TransactionContext ctx carries, or nil when the task
// does not define transaction boundaries (as Java's
// SourceTaskContext.transactionContext returns null).
func Transactions(ctx context.Context) TransactionContext {
	tc, _ := ctx.Value(transactionsKey{}).(TransactionContext)
	return tc
}
