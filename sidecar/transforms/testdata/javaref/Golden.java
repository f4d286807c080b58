// Golden runs Apache Kafka's own transforms and predicates on the cases in
// testdata/cases and writes what they return to testdata/golden. It is
// connect-sidecar's test tooling, not Kafka code: see ../README.md.
//
//   java -Duser.timezone=UTC -cp '<kafka jars>/*' Golden.java <cases dir> <golden dir>

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

import java.io.File;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public class Golden {
    static final ObjectMapper M = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    public static void main(String[] args) throws Exception {
        File cases = new File(args[0]), golden = new File(args[1]);
        Map<String, ObjectNode> defs = new TreeMap<>();
        File[] files = cases.listFiles((d, n) -> n.endsWith(".json"));
        Arrays.sort(files);
        for (File f : files) {
            ArrayNode out = F.arrayNode();
            for (JsonNode c : M.readTree(f)) {
                ObjectNode r = F.objectNode();
                r.put("name", c.get("name").asText());
                r.set("result", run(c));
                out.add(r);
                String cls = c.get("class").asText();
                defs.computeIfAbsent(cls, Golden::describe);
            }
            writeLines(new File(golden, f.getName()), out);
        }
        ObjectNode all = F.objectNode();
        defs.forEach(all::set);
        M.writeValue(new File(golden, "configdefs.json"), all);
    }

    // writeLines writes an array one element per line, for readable diffs.
    static void writeLines(File file, ArrayNode array) throws Exception {
        ObjectMapper compact = new ObjectMapper();
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < array.size(); i++) {
            sb.append(compact.writeValueAsString(array.get(i))).append(i + 1 < array.size() ? ",\n" : "\n");
        }
        java.nio.file.Files.writeString(file.toPath(), sb.append("]\n").toString());
    }

    static ObjectNode describe(String cls) {
        ObjectNode d = F.objectNode();
        try {
            Object p = Class.forName(cls).getDeclaredConstructor().newInstance();
            ConfigDef def = p instanceof Transformation ? ((Transformation<?>) p).config() : ((Predicate<?>) p).config();
            d.put("version", p instanceof Transformation ? ((Transformation<?>) p).version() : ((Predicate<?>) p).version());
            ArrayNode keys = d.putArray("keys");
            for (ConfigDef.ConfigKey k : def.configKeys().values()) {
                ObjectNode o = keys.addObject();
                o.put("name", k.name);
                o.put("type", k.type.name());
                o.put("importance", k.importance.name());
                o.put("required", k.defaultValue == ConfigDef.NO_DEFAULT_VALUE);
                if (k.defaultValue != ConfigDef.NO_DEFAULT_VALUE)
                    o.put("default", ConfigDef.convertToString(k.defaultValue, k.type));
            }
        } catch (Exception e) {
            throw new RuntimeException(cls, e);
        }
        return d;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static JsonNode run(JsonNode c) {
        ObjectNode res = F.objectNode();
        Object plugin;
        try {
            plugin = Class.forName(c.get("class").asText()).getDeclaredConstructor().newInstance();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
        Map<String, String> props = new HashMap<>();
        c.path("config").fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
        try {
            if (plugin instanceof Transformation) ((Transformation) plugin).configure(props);
            else ((Predicate) plugin).configure(props);
        } catch (Exception e) {
            res.put("configError", e.getMessage());
            res.put("exception", e.getClass().getName());
            return res;
        }
        if (!c.has("record")) {
            res.put("configured", true);
            return res;
        }
        ConnectRecord in = record(c.get("record"));
        try {
            if (plugin instanceof Predicate) {
                res.put("test", ((Predicate) plugin).test(in));
                return res;
            }
            ConnectRecord out = (ConnectRecord) ((Transformation) plugin).apply(in);
            if (out == null) {
                res.put("dropped", true);
                return res;
            }
            return encodeRecord(out);
        } catch (Exception e) {
            res.put("error", String.valueOf(e.getMessage()));
            res.put("exception", e.getClass().getName());
            return res;
        }
    }

    // Decoding cases.

    static ConnectRecord<?> record(JsonNode r) {
        String topic = r.path("topic").asText("test-topic");
        JsonNode p = r.get("partition");
        Integer partition = p == null ? Integer.valueOf(1) : p.isNull() ? null : p.asInt();
        JsonNode ts = r.get("timestamp");
        Long timestamp = ts == null ? Long.valueOf(1700000000123L) : ts.isNull() ? null : ts.asLong();
        Schema ks = schema(r.get("keySchema")), vs = schema(r.get("valueSchema"));
        Object key = value(r.get("key"), ks), value = value(r.get("value"), vs);
        ConnectHeaders headers = new ConnectHeaders();
        for (JsonNode h : r.path("headers")) {
            Schema hs = schema(h.get("schema"));
            headers.add(h.get("key").asText(), value(h.get("value"), hs), hs);
        }
        if (r.path("source").asBoolean(false)) {
            return new SourceRecord(Map.of("file", "f"), Map.of("pos", 1L), topic, partition, ks, key, vs, value, timestamp, headers);
        }
        long offset = r.path("offset").asLong(42);
        return new SinkRecord(topic, partition, ks, key, vs, value, offset, timestamp,
                timestamp == null ? org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE
                        : org.apache.kafka.common.record.TimestampType.CREATE_TIME, headers);
    }

    static Schema schema(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) {
            String s = n.asText();
            boolean opt = s.endsWith("?");
            if (opt) s = s.substring(0, s.length() - 1);
            SchemaBuilder b;
            if (s.equals("timestamp")) b = Timestamp.builder();
            else if (s.equals("date")) b = Date.builder();
            else if (s.equals("time")) b = Time.builder();
            else if (s.startsWith("decimal:")) b = Decimal.builder(Integer.parseInt(s.substring(8)));
            else b = SchemaBuilder.type(Schema.Type.valueOf(s.toUpperCase()));
            if (opt) b.optional();
            return b.build();
        }
        Schema.Type t = Schema.Type.valueOf(n.get("type").asText().toUpperCase());
        SchemaBuilder b;
        switch (t) {
            case ARRAY: b = SchemaBuilder.array(schema(n.get("valueSchema"))); break;
            case MAP: b = SchemaBuilder.map(schema(n.get("keySchema")), schema(n.get("valueSchema"))); break;
            default: b = SchemaBuilder.type(t);
        }
        if (n.path("optional").asBoolean(false)) b.optional();
        if (n.has("name")) b.name(n.get("name").asText());
        if (n.has("version")) b.version(n.get("version").asInt());
        if (n.has("doc")) b.doc(n.get("doc").asText());
        n.path("params").fields().forEachRemaining(e -> b.parameter(e.getKey(), e.getValue().asText()));
        for (JsonNode f : n.path("fields")) b.field(f.get(0).asText(), schema(f.get(1)));
        // A struct default must be built on the builder itself, as Java requires.
        if (n.has("default")) b.defaultValue(value(n.get("default"), b));
        return b.build();
    }

    static final List<String> TAGS = List.of("i8", "i16", "i32", "i64", "f32", "f64", "bytes", "decimal", "date", "map");

    static Object value(JsonNode n, Schema s) {
        if (n == null || n.isNull()) return null;
        if (n.isObject() && n.size() == 1 && TAGS.contains(n.fieldNames().next())) return tagged(n);
        if (s == null) return schemaless(n);
        if (s.name() != null) {
            switch (s.name()) {
                case Decimal.LOGICAL_NAME: return new BigDecimal(n.asText());
                case Date.LOGICAL_NAME: case Time.LOGICAL_NAME: case Timestamp.LOGICAL_NAME: return new java.util.Date(n.asLong());
            }
        }
        switch (s.type()) {
            case INT8: return (byte) n.asInt();
            case INT16: return (short) n.asInt();
            case INT32: return n.asInt();
            case INT64: return n.asLong();
            case FLOAT32: return (float) dbl(n);
            case FLOAT64: return dbl(n);
            case BOOLEAN: return n.asBoolean();
            case STRING: return n.asText();
            case BYTES: return Base64.getDecoder().decode(n.asText());
            case ARRAY: {
                List<Object> l = new ArrayList<>();
                for (JsonNode e : n) l.add(value(e, s.valueSchema()));
                return l;
            }
            case MAP: {
                Map<Object, Object> m = new HashMap<>();
                for (JsonNode e : n) m.put(value(e.get(0), s.keySchema()), value(e.get(1), s.valueSchema()));
                return m;
            }
            default: {
                Struct st = new Struct(s);
                // A null field is left unset: a required one may hold null that way.
                n.fields().forEachRemaining(e -> {
                    if (!e.getValue().isNull()) st.put(e.getKey(), value(e.getValue(), s.field(e.getKey()).schema()));
                });
                return st;
            }
        }
    }

    static double dbl(JsonNode n) {
        return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
    }

    static Object tagged(JsonNode n) {
        String tag = n.fieldNames().next();
        JsonNode v = n.get(tag);
        switch (tag) {
            case "i8": return (byte) v.asInt();
            case "i16": return (short) v.asInt();
            case "i32": return v.asInt();
            case "i64": return v.asLong();
            case "f32": return (float) dbl(v);
            case "f64": return dbl(v);
            case "bytes": return Base64.getDecoder().decode(v.asText());
            case "decimal": return new BigDecimal(v.asText());
            case "date": return new java.util.Date(v.asLong());
            default: {
                Map<Object, Object> m = new HashMap<>();
                for (JsonNode e : v) m.put(schemaless(e.get(0)), schemaless(e.get(1)));
                return m;
            }
        }
    }

    static Object schemaless(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isObject() && n.size() == 1 && TAGS.contains(n.fieldNames().next())) return tagged(n);
        if (n.isBoolean()) return n.asBoolean();
        if (n.isTextual()) return n.asText();
        if (n.isIntegralNumber()) return n.asLong();
        if (n.isNumber()) return n.asDouble();
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode e : n) l.add(schemaless(e));
            return l;
        }
        Map<String, Object> m = new HashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), schemaless(e.getValue())));
        return m;
    }

    // Encoding results.

    static ObjectNode encodeRecord(ConnectRecord<?> r) {
        ObjectNode o = F.objectNode();
        o.put("topic", r.topic());
        if (r.kafkaPartition() == null) o.putNull("partition"); else o.put("partition", r.kafkaPartition());
        if (r.timestamp() == null) o.putNull("timestamp"); else o.put("timestamp", r.timestamp());
        o.set("keySchema", encodeSchema(r.keySchema()));
        o.set("key", encode(r.key(), r.keySchema()));
        o.set("valueSchema", encodeSchema(r.valueSchema()));
        o.set("value", encode(r.value(), r.valueSchema()));
        ArrayNode hs = o.putArray("headers");
        for (Header h : r.headers()) {
            ObjectNode e = hs.addObject();
            e.put("key", h.key());
            e.set("schema", encodeSchema(h.schema()));
            e.set("value", encode(h.value(), h.schema()));
        }
        return o;
    }

    static JsonNode encodeSchema(Schema s) {
        if (s == null) return F.nullNode();
        ObjectNode o = F.objectNode();
        o.put("type", s.type().getName());
        if (s.isOptional()) o.put("optional", true);
        if (s.name() != null) o.put("name", s.name());
        if (s.version() != null) o.put("version", s.version());
        if (s.doc() != null) o.put("doc", s.doc());
        if (s.parameters() != null && !s.parameters().isEmpty()) {
            ObjectNode p = o.putObject("params");
            s.parameters().forEach(p::put);
        }
        if (s.defaultValue() != null) o.set("default", encode(s.defaultValue(), s));
        if (s.type() == Schema.Type.STRUCT) {
            ArrayNode fs = o.putArray("fields");
            for (Field f : s.fields()) {
                ArrayNode e = fs.addArray();
                e.add(f.name());
                e.add(encodeSchema(f.schema()));
            }
        }
        if (s.type() == Schema.Type.MAP) o.set("keySchema", encodeSchema(s.keySchema()));
        if (s.type() == Schema.Type.MAP || s.type() == Schema.Type.ARRAY) o.set("valueSchema", encodeSchema(s.valueSchema()));
        return o;
    }

    static JsonNode encode(Object v, Schema expected) {
        if (v == null) return F.nullNode();
        if (v instanceof Boolean) return F.booleanNode((Boolean) v);
        if (v instanceof String) return F.textNode((String) v);
        if (v instanceof Byte) return F.objectNode().put("i8", (Byte) v);
        if (v instanceof Short) return F.objectNode().put("i16", (Short) v);
        if (v instanceof Integer) return F.objectNode().put("i32", (Integer) v);
        if (v instanceof Long) return F.objectNode().put("i64", (Long) v);
        if (v instanceof Float) {
            float f = (Float) v;
            return Float.isFinite(f) ? F.objectNode().put("f32", f) : F.objectNode().put("f32", Float.toString(f));
        }
        if (v instanceof Double) {
            double d = (Double) v;
            return Double.isFinite(d) ? F.objectNode().put("f64", d) : F.objectNode().put("f64", Double.toString(d));
        }
        if (v instanceof byte[]) return F.objectNode().put("bytes", Base64.getEncoder().encodeToString((byte[]) v));
        if (v instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) v).duplicate();
            byte[] a = new byte[b.remaining()];
            b.get(a);
            return F.objectNode().put("bytes", Base64.getEncoder().encodeToString(a));
        }
        if (v instanceof BigDecimal) {
            BigDecimal d = (BigDecimal) v;
            return F.objectNode().put("decimal", d.unscaledValue().toString()).put("scale", d.scale());
        }
        if (v instanceof java.util.Date) return F.objectNode().put("date", ((java.util.Date) v).getTime());
        if (v instanceof List) {
            ArrayNode a = F.arrayNode();
            Schema es = expected == null ? null : expected.valueSchema();
            for (Object e : (List<?>) v) a.add(encode(e, es));
            return a;
        }
        if (v instanceof Map) {
            ArrayNode a = F.arrayNode();
            Schema ks = expected == null ? null : expected.keySchema();
            Schema vs = expected == null ? null : expected.valueSchema();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                ArrayNode p = a.addArray();
                p.add(encode(e.getKey(), ks));
                p.add(encode(e.getValue(), vs));
            }
            ObjectNode o = F.objectNode();
            o.set("map", a);
            return o;
        }
        if (v instanceof Struct) {
            Struct st = (Struct) v;
            ObjectNode fields = F.objectNode();
            for (Field f : st.schema().fields()) fields.set(f.name(), encode(st.getWithoutDefault(f.name()), f.schema()));
            ObjectNode o = F.objectNode();
            o.set("struct", fields);
            // Compared by content: a default struct is built on a SchemaBuilder.
            if (expected == null || (st.schema() != expected && !encodeSchema(st.schema()).equals(encodeSchema(expected))))
                o.set("schema", encodeSchema(st.schema()));
            return o;
        }
        return F.objectNode().put("unknown", v.getClass().getName() + ": " + v);
    }
}
