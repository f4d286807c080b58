package logging

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Connect's logging API speaks log4j's levels; they map onto slog levels so
// that log4j's order holds and the four slog names keep their meaning:
//
//	OFF    nothing is logged
//	FATAL  LevelFatal, slog.LevelError+4 (written as "ERROR+4")
//	ERROR  slog.LevelError
//	WARN   slog.LevelWarn
//	INFO   slog.LevelInfo
//	DEBUG  slog.LevelDebug
//	TRACE  LevelTrace, slog.LevelDebug-4 (written as "DEBUG-4")
//	ALL    everything is logged
const (
	LevelTrace = slog.LevelDebug - 4
	LevelFatal = slog.LevelError + 4

	levelAll = slog.Level(math.MinInt)
	levelOff = slog.Level(math.MaxInt)
)

var levelNames = []struct {
	name  string
	level slog.Level
}{
	{"OFF", levelOff}, {"FATAL", LevelFatal}, {"ERROR", slog.LevelError}, {"WARN", slog.LevelWarn},
	{"INFO", slog.LevelInfo}, {"DEBUG", slog.LevelDebug}, {"TRACE", LevelTrace}, {"ALL", levelAll},
}

// ParseLevel returns the slog level of a log4j level name, in any case.
func ParseLevel(name string) (slog.Level, bool) {
	for _, l := range levelNames {
		if strings.EqualFold(name, l.name) {
			return l.level, true
		}
	}
	return 0, false
}

// LevelName is the log4j name of a level; a level between two of log4j's,
// which only SIDECAR_LOG_LEVEL can give (e.g. INFO+2), keeps slog's name.
func LevelName(level slog.Level) string {
	for _, l := range levelNames {
		if l.level == level {
			return l.name
		}
	}
	return level.String()
}

// RootLogger is the name of the logger every other one descends from, as
// in log4j; the API takes it in any case.
const RootLogger = "root"

// LoggerKey is the attribute that names a logger (see Named).
const LoggerKey = "logger"

// Named returns a logger whose records are leveled as the logger name, a
// dotted namespace such as "org.apache.kafka.connect.runtime.WorkerSinkTask".
// Records show the name as the "logger" attribute.
//
// Loggers not named so take a Java name from the attributes the code
// already adds with Logger.With, so that the namespaces people set on Java
// workers work here too: "component" names the Java class doing that job
// (component=herder is org.apache.kafka.connect.runtime.distributed.DistributedHerder;
// one without a Java counterpart is connect-sidecar.<component>), and a
// logger named by neither becomes org.apache.kafka.connect.runtime.WorkerTask
// when it gets a "task" attribute, or ...WorkerConnector when it gets a
// "connector" one. Otherwise a logger keeps the name of the one it was
// made from, and New's is root. The name is fixed when the attributes are
// added: attributes of a single record, or inside a group, do not rename
// it.
func Named(log *slog.Logger, name string) *slog.Logger { return log.With(LoggerKey, name) }

// componentLoggers maps each component to the Java class doing its job.
var componentLoggers = map[string]string{
	"worker":      "org.apache.kafka.connect.runtime.Worker",
	"herder":      "org.apache.kafka.connect.runtime.distributed.DistributedHerder",
	"member":      "org.apache.kafka.connect.runtime.distributed.WorkerCoordinator",
	"configstore": "org.apache.kafka.connect.storage.KafkaConfigBackingStore",
	"offsetstore": "org.apache.kafka.connect.storage.KafkaOffsetBackingStore",
	"statusstore": "org.apache.kafka.connect.storage.KafkaStatusBackingStore",
	"rest":        "org.apache.kafka.connect.runtime.rest.RestServer",
}

const (
	taskLogger      = "org.apache.kafka.connect.runtime.WorkerTask"
	connectorLogger = "org.apache.kafka.connect.runtime.WorkerConnector"
)

// loggerName is the name of a logger called current once attrs are added
// to it.
func loggerName(current string, attrs []slog.Attr) string {
	var named, component, task, connector string
	for _, a := range attrs {
		switch a.Key {
		case LoggerKey:
			named = a.Value.Resolve().String()
		case "component":
			c := a.Value.Resolve().String()
			if component = componentLoggers[c]; component == "" {
				component = "connect-sidecar." + c
			}
		case "task":
			task = taskLogger
		case "connector":
			connector = connectorLogger
		}
	}
	switch {
	case named != "":
		return canonical(named)
	case component != "":
		return component
	case current != RootLogger:
		return current
	case task != "":
		return task
	case connector != "":
		return connector
	}
	return current
}

func canonical(name string) string {
	if name == "" || strings.EqualFold(name, RootLogger) {
		return RootLogger
	}
	return name
}

// within reports whether the logger name is namespace or below it: log4j's
// hierarchy, where a.b is below a but a.bc is not.
func within(name, namespace string) bool {
	return namespace == RootLogger || name == namespace ||
		(strings.HasPrefix(name, namespace) && name[len(namespace)] == '.')
}

// Levels is a worker's tree of loggers: every logger the code made (see
// Named) or the API set, and the level of each namespace that was set. A
// record is logged when its level reaches the level of the most specific
// namespace set at or above its logger, root's if none is.
//
// Loggers keep their resolved level in an atomic, so logging reads one
// word and takes no lock however many levels were set; Set, which is rare,
// recomputes it for the loggers it touches. Levels is safe for concurrent
// use.
type Levels struct {
	now func() time.Time

	mu      sync.Mutex
	set     map[string]slog.Level // namespace -> level; root is always there
	loggers map[string]*logger
}

type logger struct {
	min      atomic.Int64 // the level records must reach
	modified time.Time    // guarded by Levels.mu; zero until Set changed it
}

func newLevels(root slog.Level) *Levels {
	l := &Levels{now: time.Now, set: map[string]slog.Level{RootLogger: root}, loggers: map[string]*logger{}}
	l.logger(RootLogger)
	return l
}

// logger returns the named logger, making it known if it is new.
func (l *Levels) logger(name string) *logger {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.loggerLocked(name)
}

func (l *Levels) loggerLocked(name string) *logger {
	lg, ok := l.loggers[name]
	if !ok {
		lg = &logger{}
		lg.min.Store(int64(l.effective(name)))
		l.loggers[name] = lg
	}
	return lg
}

// effective is the level of the most specific namespace set at or above
// name.
func (l *Levels) effective(name string) slog.Level {
	for {
		if lv, ok := l.set[name]; ok {
			return lv
		}
		i := strings.LastIndexByte(name, '.')
		if i < 0 {
			return l.set[RootLogger]
		}
		name = name[:i]
	}
}

// LoggerLevel is a logger's level and when Set last changed it.
type LoggerLevel struct {
	Level    string    // log4j's name, see LevelName
	Modified time.Time // zero if Set never changed it
}

// Level returns a known logger's level.
func (l *Levels) Level(name string) (LoggerLevel, bool) {
	name = canonical(name)
	l.mu.Lock()
	defer l.mu.Unlock()
	lg, ok := l.loggers[name]
	if !ok {
		return LoggerLevel{}, false
	}
	return lg.level(), true
}

// All returns every known logger's level, root included, by name.
func (l *Levels) All() map[string]LoggerLevel {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]LoggerLevel, len(l.loggers))
	for name, lg := range l.loggers {
		out[name] = lg.level()
	}
	return out
}

func (lg *logger) level() LoggerLevel {
	return LoggerLevel{Level: LevelName(slog.Level(lg.min.Load())), Modified: lg.modified}
}

// Set gives namespace and every logger below it level, replacing levels set
// below it before, as log4j's Configurator.setAllLevels does; a logger made
// later below namespace inherits it. The namespace becomes a known logger.
// Set returns, sorted, the known loggers whose level changed (a namespace
// that was not known counts as changed) and stamps them with the time.
func (l *Levels) Set(namespace string, level slog.Level) []string {
	namespace = canonical(namespace)
	l.mu.Lock()
	defer l.mu.Unlock()
	_, known := l.loggers[namespace]
	l.loggerLocked(namespace)
	for ns := range l.set {
		if ns != namespace && within(ns, namespace) {
			delete(l.set, ns)
		}
	}
	l.set[namespace] = level
	now := l.now()
	var changed []string
	for name, lg := range l.loggers {
		if !within(name, namespace) {
			continue
		}
		lv := int64(l.effective(name))
		if lv == lg.min.Load() && (known || name != namespace) {
			continue
		}
		lg.min.Store(lv)
		lg.modified = now
		changed = append(changed, name)
	}
	slices.Sort(changed)
	return changed
}

// LevelsOf returns the tree that levels log's records, or nil when log was
// not made by New. The tree travels with the logger, so whatever holds a
// worker's logger reaches that worker's levels.
func LevelsOf(log *slog.Logger) *Levels {
	if h, ok := log.Handler().(*handler); ok {
		return h.levels
	}
	return nil
}

// handler levels records by its logger's place in the tree and hands the
// rest to inner, whose own level must let everything through. The logger
// is chosen when attributes are added (see Named), never per record, so
// that deciding a record's level stays one atomic load.
type handler struct {
	inner   slog.Handler
	levels  *Levels
	name    string
	logger  *logger
	grouped bool
}

func (l *Levels) handler(inner slog.Handler) *handler {
	return &handler{inner: inner, levels: l, name: RootLogger, logger: l.logger(RootLogger)}
}

func (h *handler) Enabled(_ context.Context, level slog.Level) bool {
	return int64(level) >= h.logger.min.Load()
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error { return h.inner.Handle(ctx, r) }

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.inner = h.inner.WithAttrs(attrs)
	if !h.grouped {
		if name := loggerName(h.name, attrs); name != h.name {
			c.name, c.logger = name, h.levels.logger(name)
		}
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	c := *h
	c.inner = h.inner.WithGroup(name)
	c.grouped = true
	return &c
}
