package runtime

import (
	"context"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/transforms"
)

// The header converter a worker uses when neither it nor the connector
// names one.
const defaultHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"

// pipeline is a task's record conversion: its converters and its
// transformation chain, with the error handler applied to each stage. Its
// methods are functions of the record they are given.
type pipeline struct {
	key, value  plugin.Converter
	header      plugin.HeaderConverter
	keyClass    string
	valueClass  string
	headerClass string
	stages      []transformStage
	errs        *errorHandler
}

// transformStage is one transform of the chain, kept apart so a failure
// names its class, as Java's TransformationStage does.
type transformStage struct {
	class string
	chain *transforms.Chain
}

func newPipeline(reg *plugin.Registry, w config.Worker, conn map[string]string, errs *errorHandler) (*pipeline, error) {
	p := &pipeline{errs: errs}
	var err error
	if p.key, p.keyClass, err = newConverter(reg, w, conn, "key.converter", w.KeyConverter, true); err != nil {
		return nil, err
	}
	if p.value, p.valueClass, err = newConverter(reg, w, conn, "value.converter", w.ValueConverter, false); err != nil {
		return nil, err
	}
	if p.header, p.headerClass, err = newHeaderConverter(reg, w, conn); err != nil {
		return nil, err
	}
	if p.stages, err = newTransformStages(reg, conn); err != nil {
		return nil, err
	}
	return p, nil
}

// converterSettings picks a converter class and its settings the way
// Java's worker does: the connector's own key.converter and its
// key.converter.* settings if it names one, else the worker's. The two
// sets are never mixed.
func converterSettings(w config.Worker, conn map[string]string, prop, workerClass string) (string, map[string]string) {
	if class, ok := conn[prop]; ok {
		return class, configdef.WithPrefix(conn, prop+".")
	}
	return workerClass, configdef.WithPrefix(w.Properties, prop+".")
}

// lookupKind finds the plugin of one of kinds a setting names; failing
// that, it says what the name refers to instead, if anything.
func lookupKind(reg *plugin.Registry, key, class, want string, kinds ...plugin.Kind) (plugin.Plugin, error) {
	if p, ok := reg.Lookup(class, kinds...); ok {
		return p, nil
	}
	if p, ok := reg.Lookup(class); ok {
		return p, &PluginError{Key: key, Class: p.Class, Want: want, Found: p.Kind}
	}
	return plugin.Plugin{}, &PluginError{Key: key, Class: strings.TrimSpace(class), Want: want}
}

func newConverter(reg *plugin.Registry, w config.Worker, conn map[string]string, prop, workerClass string, isKey bool) (plugin.Converter, string, error) {
	class, props := converterSettings(w, conn, prop, workerClass)
	p, err := lookupKind(reg, prop, class, "a converter", plugin.KindConverter)
	if err != nil {
		return nil, "", err
	}
	c := p.New().(plugin.Converter)
	if err := protect(func() error { return c.Configure(props, isKey) }); err != nil {
		return nil, "", configdef.Invalid(prop, p.Class, err.Error())
	}
	return c, p.Class, nil
}

func newHeaderConverter(reg *plugin.Registry, w config.Worker, conn map[string]string) (plugin.HeaderConverter, string, error) {
	const prop = "header.converter"
	workerClass := w.Properties[prop]
	if workerClass == "" {
		workerClass = defaultHeaderConverter
	}
	class, props := converterSettings(w, conn, prop, workerClass)
	p, err := lookupKind(reg, prop, class, "a header converter", plugin.KindHeaderConverter)
	if err != nil {
		return nil, "", err
	}
	c := p.New().(plugin.HeaderConverter)
	if err := protect(func() error { return c.Configure(props) }); err != nil {
		return nil, "", configdef.Invalid(prop, p.Class, err.Error())
	}
	return c, p.Class, nil
}

// newTransformStages builds the connector's chain once whole, so its
// errors read as the transforms package reports them, then one stage per
// alias, each with its own transform and predicate.
func newTransformStages(reg *plugin.Registry, conn map[string]string) ([]transformStage, error) {
	if _, err := transforms.NewChain(conn, reg.Lookup); err != nil {
		return nil, err
	}
	var stages []transformStage
	for _, alias := range configdef.Props(conn).List("transforms") {
		sub := map[string]string{"transforms": alias}
		prefix := "transforms." + alias + "."
		for k, v := range configdef.WithPrefix(conn, prefix) {
			sub[prefix+k] = v
		}
		if p := strings.TrimSpace(conn[prefix+"predicate"]); p != "" {
			sub["predicates"] = p
			for k, v := range configdef.WithPrefix(conn, "predicates."+p+".") {
				sub["predicates."+p+"."+k] = v
			}
		}
		chain, err := transforms.NewChain(sub, reg.Lookup)
		if err != nil {
			return nil, err
		}
		p, _ := reg.Lookup(conn[prefix+"type"], plugin.KindTransformation)
		stages = append(stages, transformStage{class: p.Class, chain: chain})
	}
	return stages, nil
}

// transform runs r through the chain; keep is false when a transform
// dropped it.
func (p *pipeline) transform(ctx context.Context, r plugin.Record) (out plugin.Record, keep bool, err error) {
	for _, s := range p.stages {
		err := p.errs.execute(ctx, StageTransformation, s.class, func() error {
			var err error
			out, keep, err = s.chain.Apply(r)
			return err
		})
		if err != nil || !keep {
			return r, false, err
		}
		r = out
	}
	return r, true, nil
}

// sourceMessage turns a polled record into the Kafka record to produce:
// transforms first, then the header, key and value converters, in Java's
// order. A record without a timestamp gets now, as Java's producer stamps
// it. keep is false when a transform dropped the record; an error is a
// *StageError (or ctx's error).
func (p *pipeline) sourceMessage(ctx context.Context, r plugin.Record, now time.Time) (kafka.Message, bool, error) {
	var m kafka.Message
	r, keep, err := p.transform(ctx, r)
	if err != nil || !keep {
		return m, false, err
	}
	m.Topic = r.Topic
	m.Partition = int(r.Partition) // the balancer reads it; kafka-go ignores it
	m.Time = r.Timestamp
	if m.Time.IsZero() {
		m.Time = now
	}
	if err := p.errs.execute(ctx, StageHeaderConverter, p.headerClass, func() (err error) {
		m.Headers, err = p.fromHeaders(r)
		return err
	}); err != nil {
		return m, false, err
	}
	if err := p.errs.execute(ctx, StageKeyConverter, p.keyClass, func() (err error) {
		m.Key, err = p.key.FromConnectData(r.Topic, r.KeySchema, r.Key)
		return err
	}); err != nil {
		return m, false, err
	}
	if err := p.errs.execute(ctx, StageValueConverter, p.valueClass, func() (err error) {
		m.Value, err = p.value.FromConnectData(r.Topic, r.ValueSchema, r.Value)
		return err
	}); err != nil {
		return m, false, err
	}
	return m, true, nil
}

func (p *pipeline) fromHeaders(r plugin.Record) ([]kafka.Header, error) {
	if len(r.Headers) == 0 {
		return nil, nil
	}
	out := make([]kafka.Header, len(r.Headers))
	for i, h := range r.Headers {
		v, err := p.header.FromConnectHeader(r.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return nil, err
		}
		out[i] = kafka.Header{Key: h.Key, Value: v}
	}
	return out, nil
}

// sinkRecord turns a consumed Kafka record into the record to put: the
// key, value and header converters first, then the transforms, in Java's
// order. keep is false when a transform dropped the record.
func (p *pipeline) sinkRecord(ctx context.Context, m *kafka.Message) (plugin.Record, bool, error) {
	r := plugin.Record{Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset, Consumed: m}
	if m.Time.UnixMilli() > 0 {
		r.Timestamp = m.Time
	}
	if err := p.errs.execute(ctx, StageKeyConverter, p.keyClass, func() (err error) {
		r.KeySchema, r.Key, err = p.key.ToConnectData(m.Topic, m.Key)
		return err
	}); err != nil {
		return r, false, err
	}
	if err := p.errs.execute(ctx, StageValueConverter, p.valueClass, func() (err error) {
		r.ValueSchema, r.Value, err = p.value.ToConnectData(m.Topic, m.Value)
		return err
	}); err != nil {
		return r, false, err
	}
	if err := p.errs.execute(ctx, StageHeaderConverter, p.headerClass, func() (err error) {
		r.Headers, err = p.toHeaders(*m)
		return err
	}); err != nil {
		return r, false, err
	}
	return p.transform(ctx, r)
}

func (p *pipeline) toHeaders(m kafka.Message) ([]plugin.Header, error) {
	if len(m.Headers) == 0 {
		return nil, nil
	}
	out := make([]plugin.Header, len(m.Headers))
	for i, h := range m.Headers {
		s, v, err := p.header.ToConnectHeader(m.Topic, h.Key, h.Value)
		if err != nil {
			return nil, err
		}
		out[i] = plugin.Header{Key: h.Key, Schema: s, Value: v}
	}
	return out, nil
}
