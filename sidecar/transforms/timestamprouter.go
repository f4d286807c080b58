package transforms

import (
	"fmt"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var timestampRouterSettings = configdef.Def{
	configdef.Optional("topic.format", plugin.TypeString, "${topic}-${timestamp}", plugin.High,
		"The new topic name; ${topic} stands for the old one and ${timestamp} for the record's timestamp."),
	configdef.Optional("timestamp.format", plugin.TypeString, "yyyyMMdd", plugin.High,
		"A java.text.SimpleDateFormat pattern for ${timestamp}, written in UTC."),
}

// TimestampRouter renames the topic from the old name and the record's
// timestamp, e.g. to one topic per day
// (org.apache.kafka.connect.transforms.TimestampRouter).
type TimestampRouter struct {
	topicFormat string
	format      *dateFormat
	// formatErr is a bad timestamp.format. Java only builds the format
	// when the first record comes, so that is when it fails.
	formatErr error
}

func (t *TimestampRouter) Config() plugin.ConfigDef { return timestampRouterSettings.ConfigDef() }

func (t *TimestampRouter) Configure(props map[string]string) error {
	v, err := timestampRouterSettings.Parse(props)
	if err != nil {
		return err
	}
	t.topicFormat = v.String("topic.format")
	t.format, t.formatErr = newDateFormat(v.String("timestamp.format"), time.UTC)
	if t.formatErr != nil {
		t.formatErr = &DataError{Message: t.formatErr.Error()}
	}
	return nil
}

func (t *TimestampRouter) Apply(r plugin.Record) (plugin.Record, bool, error) {
	if r.Timestamp.IsZero() {
		return r, false, dataErr("Timestamp missing on record: %s", describeRecord(r))
	}
	if t.formatErr != nil {
		return r, false, t.formatErr
	}
	topic := strings.ReplaceAll(t.topicFormat, "${topic}", r.Topic)
	r.Topic = strings.ReplaceAll(topic, "${timestamp}", t.format.format(r.Timestamp))
	return r, true, nil
}

// describeRecord stands in for Java's ConnectRecord.toString in messages.
func describeRecord(r plugin.Record) string {
	return fmt.Sprintf("ConnectRecord{topic='%s', kafkaPartition=%d}", r.Topic, r.Partition)
}
