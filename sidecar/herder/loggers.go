package herder

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/connect-sidecar/connect-sidecar/sidecar/logging"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
)

// The logger endpoints work on the level tree of the herder's own logger
// (logging.LevelsOf), which is the worker's: the worker builds everything
// from the one logger logging.New made.

func (a *API) levels() (*logging.Levels, error) {
	if l := logging.LevelsOf(a.h.log); l != nil {
		return l, nil
	}
	return nil, &rest.StatusError{Status: 501, Message: "Logger levels cannot be changed: this worker's logger was not made by logging.New"}
}

func (a *API) LoggerLevels(context.Context) (map[string]rest.LoggerLevel, error) {
	levels, err := a.levels()
	if err != nil {
		return nil, err
	}
	out := map[string]rest.LoggerLevel{}
	for name, l := range levels.All() {
		out[name] = restLevel(l)
	}
	return out, nil
}

func (a *API) LoggerLevel(_ context.Context, name string) (*rest.LoggerLevel, error) {
	levels, err := a.levels()
	if err != nil {
		return nil, err
	}
	l, ok := levels.Level(name)
	if !ok {
		return nil, nil
	}
	r := restLevel(l)
	return &r, nil
}

func restLevel(l logging.LoggerLevel) rest.LoggerLevel {
	r := rest.LoggerLevel{Level: l.Level}
	if !l.Modified.IsZero() {
		ms := l.Modified.UnixMilli()
		r.LastModified = &ms
	}
	return r
}

func (a *API) SetWorkerLoggerLevel(_ context.Context, namespace, level string) ([]string, error) {
	levels, err := a.levels()
	if err != nil {
		return nil, err
	}
	return a.h.setLoggerLevel(levels, namespace, level), nil
}

// SetClusterLoggerLevel writes the level to the config topic; every worker,
// this one too, applies it once it reads the record back (KIP-976).
func (a *API) SetClusterLoggerLevel(ctx context.Context, namespace, level string) error {
	return a.h.d.Configs.PutLoggerLevel(ctx, configstore.LoggerLevel{Namespace: namespace, Level: level})
}

// setLoggerLevel sets a namespace on this worker; a level that is not
// log4j's, which only another writer of the config topic can send, changes
// nothing, as in Java.
func (h *Herder) setLoggerLevel(levels *logging.Levels, namespace, level string) []string {
	lv, ok := logging.ParseLevel(level)
	if !ok {
		h.log.Warn("ignoring an invalid logger level", "namespace", namespace, "level", level)
		return nil
	}
	changed := levels.Set(namespace, lv)
	h.log.Info("set the level of a logger namespace and its descendants", "namespace", namespace, "level", logging.LevelName(lv), "changed", len(changed))
	return changed
}

// applyClusterLoggerLevels applies the cluster-wide levels read live since
// the last look, oldest first, so a namespace set after its parent keeps
// its own level. The snapshot keeps only each namespace's latest record;
// that is enough, because a later record for a namespace overrides every
// earlier one for it and for what lies below it. Records read during the
// store's startup catch-up are not in the snapshot, so a starting worker
// ignores levels set before it started, as Java does.
func (h *Herder) applyClusterLoggerLevels(snap configstore.Snapshot) {
	levels := logging.LevelsOf(h.log)
	if levels == nil || snap.Offset() <= h.loggersFrom {
		return
	}
	updates := snap.LoggerLevels()
	namespaces := slices.SortedFunc(maps.Keys(updates), func(a, b string) int {
		return cmp.Compare(updates[a].Offset, updates[b].Offset)
	})
	for _, ns := range namespaces {
		if updates[ns].Offset >= h.loggersFrom {
			h.setLoggerLevel(levels, ns, updates[ns].Level)
		}
	}
	h.loggersFrom = snap.Offset()
}
