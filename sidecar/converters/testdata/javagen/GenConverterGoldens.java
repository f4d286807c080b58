// GenConverterGoldens writes the golden files of sidecar/converters by running
// Kafka Connect's own converters. It is our test tool, not Kafka code; see
// ../README.md for how to run it.
//
// Usage: java GenConverterGoldens <sidecar/converters/testdata> <javajson decode corpus>

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;

import java.io.*;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.MessageDigest;
import java.util.*;
import java.util.function.Supplier;

public class GenConverterGoldens {

    // Encodings written for every value, as "settings" strings.
    static final String[] ENCODINGS = {
        "schemas.enable=true",
        "schemas.enable=true,decimal.format=NUMERIC",
        "schemas.enable=false",
        "schemas.enable=false,decimal.format=NUMERIC",
        "schemas.enable=true,replace.null.with.default=false",
    };

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        String jdk = System.getProperty("java.specification.version");
        if (jdk.equals("25")) {
            jsonGolden(dir);
            headerGolden(dir);
            stringGolden(dir);
            parseGolden(dir, Paths.get(args[1]));
            configDefs(dir);
            pluginList(dir);
        }
        floats(dir.resolve("float32-jdk" + jdk + ".txt"));
    }

    // ---- dumps: a neutral text form of schemas and values, also written by the Go tests ----

    static String dumpSchema(Schema s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder(typeName(s.type()));
        if (s.isOptional()) sb.append('?');
        List<String> attrs = new ArrayList<>();
        if (s.name() != null) attrs.add("name=" + quote(s.name()));
        if (s.version() != null) attrs.add("version=" + s.version());
        if (s.doc() != null) attrs.add("doc=" + quote(s.doc()));
        if (s.parameters() != null) {
            List<String> ps = new ArrayList<>();
            for (Map.Entry<String, String> e : new TreeMap<>(s.parameters()).entrySet())
                ps.add(quote(e.getKey()) + "=" + quote(e.getValue()));
            attrs.add("params={" + String.join(",", ps) + "}");
        }
        if (s.defaultValue() != null) attrs.add("default=" + dumpValue(s.defaultValue()));
        if (!attrs.isEmpty()) sb.append('(').append(String.join(";", attrs)).append(')');
        switch (s.type()) {
            case ARRAY -> sb.append('<').append(dumpSchema(s.valueSchema())).append('>');
            case MAP -> sb.append('<').append(dumpSchema(s.keySchema())).append(',').append(dumpSchema(s.valueSchema())).append('>');
            case STRUCT -> {
                List<String> fs = new ArrayList<>();
                for (Field f : s.fields()) fs.add(quote(f.name()) + ":" + dumpSchema(f.schema()));
                sb.append('{').append(String.join(",", fs)).append('}');
            }
            default -> { }
        }
        return sb.toString();
    }

    static String typeName(Schema.Type t) {
        return switch (t) {
            case FLOAT32 -> "float";
            case FLOAT64 -> "double";
            default -> t.getName();
        };
    }

    static String dumpValue(Object v) {
        if (v == null) return "null";
        if (v instanceof Byte b) return "i8:" + b;
        if (v instanceof Short b) return "i16:" + b;
        if (v instanceof Integer b) return "i32:" + b;
        if (v instanceof Long b) return "i64:" + b;
        if (v instanceof Float f) return "f32:" + f;
        if (v instanceof Double d) return "f64:" + d;
        if (v instanceof Boolean b) return b.toString();
        if (v instanceof String s) return quote(s);
        if (v instanceof byte[] b) return "b64:" + Base64.getEncoder().encodeToString(b);
        if (v instanceof BigDecimal d) return "dec:" + d.unscaledValue() + "," + d.scale();
        if (v instanceof java.util.Date d) return "date:" + d.getTime();
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object e : l) out.add(dumpValue(e));
            return "[" + String.join(",", out) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            List<String> out = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.add(dumpValue(e.getKey()) + "=" + dumpValue(e.getValue()));
            Collections.sort(out);
            return "{" + String.join(",", out) + "}";
        }
        if (v instanceof Struct st) {
            List<String> out = new ArrayList<>();
            for (Field f : st.schema().fields()) out.add(quote(f.name()) + "=" + dumpValue(st.getWithoutDefault(f.name())));
            return "struct{" + String.join(",", out) + "}";
        }
        throw new IllegalArgumentException("cannot dump " + v.getClass());
    }

    // quote writes s in double quotes with \" \\ and \\uXXXX for anything outside printable ASCII.
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04X", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    static String dumpSV(SchemaAndValue sv) {
        if (sv == null) return "null";
        return dumpSchema(sv.schema()) + " " + dumpValue(sv.value());
    }

    static String err(Throwable t) {
        StringBuilder sb = new StringBuilder("error: ").append(t.getMessage());
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) sb.append(" / ").append(c.getClass().getSimpleName());
        return sb.toString().replace('\n', ' ').replace('\r', ' ');
    }

    static Map<String, String> settings(String s) {
        Map<String, String> m = new HashMap<>();
        if (s.equals("-")) return m;
        for (String kv : s.split(",")) {
            String[] p = kv.split("=", 2);
            m.put(p[0], p[1]);
        }
        return m;
    }

    static JsonConverter json(String s) {
        JsonConverter c = new JsonConverter();
        c.configure(settings(s), false);
        return c;
    }

    static String bytesOut(byte[] b) {
        if (b == null) return "tombstone";
        return new String(b, StandardCharsets.UTF_8);
    }

    static String encode(String settings, Schema schema, Object value) {
        try {
            return bytesOut(json(settings).fromConnectData("topic", schema, value));
        } catch (Exception e) {
            return err(e);
        }
    }

    static String headerOut(Schema schema, Object value) {
        try {
            byte[] b = new SimpleHeaderConverter().fromConnectHeader("topic", "key", schema, value);
            return b == null ? "null" : quote(new String(b, StandardCharsets.UTF_8));
        } catch (Exception e) {
            return err(e);
        }
    }

    static String stringOut(Schema schema, Object value) {
        try {
            StringConverter c = new StringConverter();
            c.configure(Map.of(), false);
            byte[] b = c.fromConnectData("topic", schema, value);
            if (b == null) return "null";
            String s = new String(b, StandardCharsets.UTF_8);
            // byte[].toString() is an identity hash: nothing to compare.
            if (s.matches("(?s).*\\[B@[0-9a-f]+.*")) return "nondeterministic";
            return quote(s);
        } catch (Exception e) {
            return err(e);
        }
    }

    static void writeEncodings(PrintWriter out, Schema schema, Object value) {
        for (String e : ENCODINGS) out.println("encode " + e + " " + encode(e, schema, value));
        out.println("header " + headerOut(schema, value));
        out.println("string " + stringOut(schema, value));
    }

    // ---- JsonConverter ----

    static void jsonGolden(Path dir) throws Exception {
        try (PrintWriter out = writer(dir.resolve("json-golden.txt"))) {
            out.println("# Written by javagen/GenConverterGoldens.java from json-cases.txt and its own cases; do not edit.");
            for (String line : Files.readAllLines(dir.resolve("json-cases.txt"), StandardCharsets.UTF_8)) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] p = line.split("\t", 3);
                out.println("case " + p[0]);
                SchemaAndValue sv;
                try {
                    sv = json(p[1]).toConnectData("topic", p[2].getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    out.println("decode " + err(e));
                    out.println();
                    continue;
                }
                out.println("decode " + dumpSV(sv));
                writeEncodings(out, sv.schema(), sv.value());
                out.println();
            }
            for (Map.Entry<String, Supplier<SchemaAndValue>> c : javaCases().entrySet()) {
                SchemaAndValue sv = c.getValue().get();
                out.println("case " + c.getKey());
                out.println("value " + dumpSV(sv));
                writeEncodings(out, sv.schema(), sv.value());
                out.println();
            }
        }
    }

    static Struct struct(Schema s, Object... kv) {
        Struct st = new Struct(s);
        for (int i = 0; i < kv.length; i += 2) st.put((String) kv[i], kv[i + 1]);
        return st;
    }

    static Object nested(int depth) {
        Object v = 1L;
        for (int i = 0; i < depth; i++) v = List.of(v);
        return v;
    }

    static SchemaAndValue sv(Schema s, Object v) {
        return new SchemaAndValue(s, v);
    }

    // Values that JSON input cannot produce. The Go tests build the same ones by name.
    static Map<String, Supplier<SchemaAndValue>> javaCases() {
        Map<String, Supplier<SchemaAndValue>> m = new LinkedHashMap<>();
        Schema f32 = Schema.FLOAT32_SCHEMA, f64 = Schema.FLOAT64_SCHEMA;
        m.put("java-f32-nan", () -> sv(f32, Float.NaN));
        m.put("java-f32-inf", () -> sv(f32, Float.POSITIVE_INFINITY));
        m.put("java-f32-neg-inf", () -> sv(f32, Float.NEGATIVE_INFINITY));
        m.put("java-f32-neg-zero", () -> sv(f32, -0.0f));
        m.put("java-f32-min", () -> sv(f32, Float.MIN_VALUE));
        m.put("java-f32-min-normal", () -> sv(f32, Float.MIN_NORMAL));
        m.put("java-f32-max", () -> sv(f32, Float.MAX_VALUE));
        m.put("java-f32-0.001", () -> sv(f32, 0.001f));
        m.put("java-f32-1e7", () -> sv(f32, 1e7f));
        m.put("java-f32-9999999", () -> sv(f32, 9999999f));
        m.put("java-f32-3e-44", () -> sv(f32, 3e-44f));
        m.put("java-f32-0.3", () -> sv(f32, 0.3f));
        m.put("java-f64-nan", () -> sv(f64, Double.NaN));
        m.put("java-f64-inf", () -> sv(f64, Double.POSITIVE_INFINITY));
        m.put("java-f64-neg-zero", () -> sv(f64, -0.0));
        m.put("java-f64-min", () -> sv(f64, Double.MIN_VALUE));
        m.put("java-f64-1e23", () -> sv(f64, 1e23));
        m.put("java-f64-2e-3", () -> sv(f64, 2e-3));
        m.put("java-f64-1e21", () -> sv(f64, 1e21));
        m.put("java-schemaless-typed", () -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("i8", (byte) 1);
            v.put("i16", (short) 2);
            v.put("i32", 3);
            v.put("f32", 1.5f);
            v.put("bytes", new byte[] {1, 2});
            v.put("list", List.of((byte) 1, "x", 2.5));
            v.put("bool", true);
            return sv(null, v);
        });
        m.put("java-schemaless-int-keys", () -> {
            Map<Object, Object> v = new LinkedHashMap<>();
            v.put(1, "a");
            v.put(2L, null);
            return sv(null, v);
        });
        m.put("java-schemaless-mixed-keys", () -> {
            Map<Object, Object> v = new LinkedHashMap<>();
            v.put("a", 1);
            v.put(2, "b");
            return sv(null, v);
        });
        m.put("java-schemaless-list-null", () -> sv(null, Arrays.asList(null, 1)));
        m.put("java-schemaless-struct", () -> sv(null, struct(SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build(), "a", 1)));
        m.put("java-schemaless-decimal", () -> sv(null, new BigDecimal("1.5")));
        m.put("java-schemaless-date", () -> sv(null, new java.util.Date(0)));
        m.put("java-struct-required-null", () -> {
            Schema s = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
            Struct st = new Struct(s);
            st.put("id", 1);
            return sv(s, st);
        });
        m.put("java-struct-field-default", () -> {
            Schema s = SchemaBuilder.struct()
                .field("id", SchemaBuilder.int32().defaultValue(7).build())
                .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().defaultValue(List.of("a\"b", "c\\d")).build())
                .build();
            return sv(s, new Struct(s));
        });
        m.put("java-wrong-type", () -> sv(Schema.INT32_SCHEMA, 5L));
        m.put("java-wrong-type-in-map", () -> sv(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), Map.of("a", "x")));
        m.put("java-struct-mismatch", () -> {
            Schema a = SchemaBuilder.struct().name("A").field("x", Schema.INT32_SCHEMA).build();
            Schema b = SchemaBuilder.struct().name("B").field("x", Schema.INT32_SCHEMA).build();
            return sv(a, struct(b, "x", 1));
        });
        m.put("java-decimal-scale-mismatch", () -> sv(Decimal.schema(2), new BigDecimal("1.5")));
        m.put("java-decimal-negative", () -> sv(Decimal.schema(3), new BigDecimal("-0.001")));
        m.put("java-decimal-big", () -> sv(Decimal.schema(5), new BigDecimal("-98765432109876543210.12345")));
        m.put("java-decimal-precision", () -> sv(Decimal.builder(2).parameter("connect.decimal.precision", "10").build(), new BigDecimal("3.18")));
        m.put("java-date-with-time", () -> sv(org.apache.kafka.connect.data.Date.SCHEMA, new java.util.Date(1000)));
        m.put("java-date-neg", () -> sv(org.apache.kafka.connect.data.Date.SCHEMA, new java.util.Date(-86400000L * 365)));
        m.put("java-time-too-big", () -> sv(Time.SCHEMA, new java.util.Date(86400001)));
        m.put("java-time-neg", () -> sv(Time.SCHEMA, new java.util.Date(-1)));
        m.put("java-time-zero", () -> sv(Time.SCHEMA, new java.util.Date(0)));
        m.put("java-timestamp-day", () -> sv(Timestamp.SCHEMA, new java.util.Date(86400000L * 3)));
        m.put("java-timestamp-neg", () -> sv(Timestamp.SCHEMA, new java.util.Date(-1)));
        m.put("java-timestamp-year-10000", () -> sv(Timestamp.SCHEMA, new java.util.Date(253402300800123L)));
        m.put("java-timestamp-year-1000", () -> sv(Timestamp.SCHEMA, new java.util.Date(-30610224000000L)));
        m.put("java-timestamp-cutover", () -> sv(Timestamp.SCHEMA, new java.util.Date(-12219292800000L)));
        m.put("java-timestamp-before-cutover", () -> sv(Timestamp.SCHEMA, new java.util.Date(-12219292800001L)));
        m.put("java-timestamp-year-1", () -> sv(Timestamp.SCHEMA, new java.util.Date(-62135769600000L)));
        m.put("java-map-null-key", () -> {
            Map<Object, Object> v = new HashMap<>();
            v.put(null, 1);
            return sv(SchemaBuilder.map(Schema.OPTIONAL_STRING_SCHEMA, Schema.INT32_SCHEMA).build(), v);
        });
        m.put("java-map-linked-order", () -> {
            Map<Object, Object> v = new LinkedHashMap<>();
            v.put("z", 1);
            v.put("a", 2);
            v.put("m", 3);
            return sv(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), v);
        });
        m.put("java-map-decimal-keys", () -> {
            Map<Object, Object> v = new LinkedHashMap<>();
            v.put(new BigDecimal("1.50"), "x");
            return sv(SchemaBuilder.map(Decimal.schema(2), Schema.STRING_SCHEMA).build(), v);
        });
        m.put("java-optional-struct-null", () -> sv(SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).optional().build(), null));
        m.put("java-tombstone", () -> sv(null, null));
        m.put("java-required-null", () -> sv(Schema.INT32_SCHEMA, null));
        m.put("java-optional-null", () -> sv(Schema.OPTIONAL_INT32_SCHEMA, null));
        m.put("java-header-strings", () -> sv(null, Arrays.asList("plain", "q\"uote", "back\\slash", "", "a,b", "[x]", null, new byte[] {(byte) 0xff})));
        m.put("java-header-dates", () -> sv(null, Arrays.asList(new java.util.Date(0), new java.util.Date(86400000L), new java.util.Date(1700000000123L), new java.util.Date(-1), new java.util.Date(86399999))));
        m.put("java-header-numbers", () -> sv(null, Arrays.asList((byte) -1, (short) 300, 70000, 1L << 40, 1.5f, 1e-5f, 0.1, 1e21, new BigDecimal("1E+3"), new BigDecimal("0.0000001"), new BigDecimal("-12.340"))));
        m.put("java-header-nested", () -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("k\"1", List.of(1, 2));
            v.put("k2", Map.of("x", true));
            return sv(null, v);
        });
        m.put("java-header-struct", () -> {
            Schema s = SchemaBuilder.struct()
                .field("a", SchemaBuilder.int32().optional().defaultValue(3).build())
                .field("b", Schema.OPTIONAL_STRING_SCHEMA)
                .field("c", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
                .build();
            return sv(s, struct(s, "b", "x\"y", "c", List.of("p", "q")));
        });
        m.put("java-nest-999", () -> sv(null, nested(999)));
        m.put("java-nest-1000", () -> sv(null, nested(1000)));
        m.put("java-nest-1001", () -> sv(null, nested(1001)));
        return m;
    }

    // ---- SimpleHeaderConverter and StringConverter ----

    static void headerGolden(Path dir) throws Exception {
        SimpleHeaderConverter c = new SimpleHeaderConverter();
        try (PrintWriter out = writer(dir.resolve("header-golden.txt"))) {
            out.println("# Written by javagen/GenConverterGoldens.java from header-cases.txt; do not edit.");
            for (byte[] in : inputs(dir.resolve("header-cases.txt"))) {
                out.println("case " + HexFormat.of().formatHex(in));
                out.println("text " + quote(new String(in, StandardCharsets.UTF_8)));
                SchemaAndValue sv;
                try {
                    sv = c.toConnectHeader("topic", "key", in);
                } catch (Exception e) {
                    out.println("parse " + err(e));
                    out.println();
                    continue;
                }
                out.println("parse " + dumpSV(sv));
                out.println("format " + (sv == null ? "null" : headerOut(sv.schema(), sv.value())));
                out.println();
            }
        }
    }

    static void stringGolden(Path dir) throws Exception {
        StringConverter c = new StringConverter();
        c.configure(Map.of(), false);
        try (PrintWriter out = writer(dir.resolve("string-golden.txt"))) {
            out.println("# Written by javagen/GenConverterGoldens.java from header-cases.txt; do not edit.");
            for (byte[] in : inputs(dir.resolve("header-cases.txt"))) {
                out.println("case " + HexFormat.of().formatHex(in));
                out.println("decode " + dumpSV(c.toConnectData("topic", in)));
                out.println();
            }
        }
    }

    // inputs reads one input per line: the line's UTF-8 bytes, or hex after "hex:".
    static List<byte[]> inputs(Path p) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (line.startsWith("#")) continue;
            if (line.startsWith("hex:")) out.add(HexFormat.of().parseHex(line.substring(4)));
            else out.add(line.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    // ---- Jackson parsing corpus (schemas.enable=false) ----

    static void parseGolden(Path dir, Path corpus) throws Exception {
        List<String[]> cases = new ArrayList<>();
        for (String line : Files.readAllLines(corpus, StandardCharsets.UTF_8)) {
            cases.add(new String[] {field(line, "prefix"), field(line, "unit"), field(line, "count"), field(line, "suffix")});
        }
        for (String line : Files.readAllLines(dir.resolve("parse-cases.txt"), StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] p = line.split(" ", -1);
            cases.add(p);
        }
        JsonConverter c = json("schemas.enable=false");
        JsonConverter env = json("-");
        try (PrintWriter out = writer(dir.resolve("parse-golden.txt"))) {
            out.println("# prefix unit count suffix (hex) => schemas.enable=false result; written by javagen/GenConverterGoldens.java; do not edit.");
            for (String[] p : cases) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.write(HexFormat.of().parseHex(p[0]));
                byte[] unit = HexFormat.of().parseHex(p[1]);
                for (int i = Integer.parseInt(p[2]); i > 0; i--) b.write(unit);
                b.write(HexFormat.of().parseHex(p[3]));
                byte[] in = b.toByteArray();
                String res;
                try {
                    res = "ok " + digest(dumpSV(c.toConnectData("topic", in)));
                } catch (Exception e) {
                    res = "error";
                } catch (StackOverflowError e) {
                    res = "stackoverflow";
                }
                out.println(p[0] + " " + p[1] + " " + p[2] + " " + p[3] + " => " + res);
            }
        }
    }

    // digest keeps long dumps out of the file.
    static String digest(String dump) throws Exception {
        if (dump.length() <= 200) return dump;
        byte[] h = MessageDigest.getInstance("SHA-256").digest(dump.getBytes(StandardCharsets.UTF_8));
        return "sha256:" + HexFormat.of().formatHex(h);
    }

    static String field(String jsonLine, String name) {
        String key = "\"" + name + "\":";
        int i = jsonLine.indexOf(key) + key.length();
        if (jsonLine.charAt(i) == '"') return jsonLine.substring(i + 1, jsonLine.indexOf('"', i + 1));
        int j = i;
        while (Character.isDigit(jsonLine.charAt(j))) j++;
        return jsonLine.substring(i, j);
    }

    // ---- ConfigDefs ----

    static void configDefs(Path dir) throws Exception {
        try (PrintWriter out = writer(dir.resolve("configdefs.txt"))) {
            out.println("# name|type|default|importance|group|orderInGroup|width|displayName|documentation");
            dumpConfig(out, "JsonConverter", new JsonConverter().config());
            dumpConfig(out, "StringConverter", new StringConverter().config());
            dumpConfig(out, "ByteArrayConverter", new ByteArrayConverter().config());
            dumpConfig(out, "SimpleHeaderConverter", new SimpleHeaderConverter().config());
        }
    }

    static void dumpConfig(PrintWriter out, String name, ConfigDef def) {
        out.println("plugin " + name);
        for (ConfigDef.ConfigKey k : def.configKeys().values()) {
            String dflt = k.hasDefault() ? String.valueOf(ConfigDef.convertToString(k.defaultValue, k.type)) : "<required>";
            out.println(String.join("|", k.name, k.type.name(), dflt, k.importance.name(), String.valueOf(k.group),
                String.valueOf(k.orderInGroup), k.width.name(), k.displayName, k.documentation));
        }
    }

    // ---- GET /connector-plugins?connectorsOnly=false, converters only ----

    static void pluginList(Path dir) throws Exception {
        org.apache.kafka.connect.runtime.isolation.Plugins p = new org.apache.kafka.connect.runtime.isolation.Plugins(Map.of());
        try (PrintWriter out = writer(dir.resolve("plugins.txt"))) {
            for (var d : p.converters()) out.println(d.type() + " " + d.className() + " " + d.version());
            for (var d : p.headerConverters()) out.println(d.type() + " " + d.className() + " " + d.version());
        }
    }

    // ---- Float.toString ----

    static void floats(Path p) throws Exception {
        Random r = new Random(42);
        List<Float> fs = new ArrayList<>(List.of(0f, -0f, 1f, -1f, 0.1f, 0.2f, 0.3f, 1e-3f, 9.999999e-4f, 1e7f, 9999999f,
            1.0E-45f, 2.8E-45f, 3e-44f, 1.17549435E-38f, 1.1754942E-38f, 3.4028235E38f, 16777216f, 16777217f, 123456.79f,
            2e-3f, 1.5e-5f, 8.589973E9f, 1.0E10f, 4.4501477E-30f));
        for (int e = -45; e <= 38; e++) {
            fs.add(Float.parseFloat("1e" + e));
            fs.add(Float.parseFloat("9.999999e" + e));
        }
        for (int i = 1; i < 300; i++) fs.add(Float.intBitsToFloat(i));
        for (int i = 0; i < 6000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (!Float.isNaN(f) && !Float.isInfinite(f)) fs.add(f);
        }
        for (int i = 0; i < 1500; i++) fs.add((float) (r.nextInt(2000000) / Math.pow(10, r.nextInt(12))));
        try (PrintWriter out = writer(p)) {
            for (float f : fs) out.println(String.format("%08x", Float.floatToRawIntBits(f)) + " " + f);
        }
    }

    static PrintWriter writer(Path p) throws IOException {
        return new PrintWriter(Files.newBufferedWriter(p, StandardCharsets.UTF_8));
    }
}
